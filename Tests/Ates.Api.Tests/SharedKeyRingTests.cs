using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ates.Storage.Journal;
using Ates.Storage.Memory;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Ates.Api.Tests;

public sealed class SharedKeyRingTests
{
    private static WebApplicationFactory<Program> SiloOn(IJournalStore store) => new AtesApi().WithWebHostBuilder(builder =>
        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<IJournalStore>();
            services.AddSingleton(store);
        }));

    [Fact]
    public async Task A_token_issued_by_one_silo_is_accepted_by_another_on_the_same_store()
    {
        await using var store = new InMemoryJournal();
        await using var siloA = SiloOn(store);
        await using var siloB = SiloOn(store);

        var token = await (await siloA.CreateClient().PostAsJsonAsync("/api/auth/token", new { email = "admin@ates.local", password = "admin" }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var onB = siloB.CreateClient();
        onB.DefaultRequestHeaders.Authorization = new("Bearer", token.GetProperty("accessToken").GetString());

        var me = await onB.GetAsync("/api/me");
        me.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await me.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("email").GetString().ShouldBe("admin@ates.local");
        (await store.ReadKeysAsync()).ShouldNotBeEmpty();
    }
}
