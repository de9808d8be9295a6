using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ates.Storage.Journal;
using Ates.Storage.Memory;
using Ates.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Ates.Api.Tests;

/// <summary>A silo host configured only by the given settings (memory-only embedded store unless they say otherwise).</summary>
public sealed class ConfiguredSilo(IReadOnlyDictionary<string, string?> settings, IJournalStore? store = null) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Ates:DataDirectory", "");
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
        builder.UseEnvironment("Production");
        if (store is not null)
        {
            builder.ConfigureTestServices(services =>
            {
                services.RemoveAll<IJournalStore>();
                services.AddSingleton(store);
            });
        }
    }

    public async Task<HttpResponseMessage> SignInAsync(string email, string password) =>
        await CreateClient().PostAsJsonAsync("/api/auth/token", new { email, password });

    /// <summary>A client with a bearer token of that user.</summary>
    public async Task<HttpClient> ClientAsync(string email, string password)
    {
        var response = await SignInAsync(email, password);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString());
        return client;
    }

    public async Task<List<string>> UserEmailsAsync(string adminEmail, string adminPassword)
    {
        var users = await (await ClientAsync(adminEmail, adminPassword)).GetFromJsonAsync<JsonElement>("/api/users");
        return users.EnumerateArray().Select(u => u.GetProperty("email").GetString()!).ToList();
    }
}

public sealed class StartupConfigurationTests
{
    private const string Email = "root@ates.test";
    private const string Password = "correct horse battery";

    private static Dictionary<string, string?> BootstrapAdmin(params (string Key, string? Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Ates:SeedDemoUsers"] = "false",
            ["Ates:BootstrapAdmin:Email"] = Email,
            ["Ates:BootstrapAdmin:Password"] = Password,
        };
        foreach (var (key, value) in more) settings[key] = value;
        return settings;
    }

    /// <summary>The exception that stopped the host from starting, with whatever wraps it.</summary>
    private static string StartFailure(Dictionary<string, string?> settings)
    {
        using var silo = new ConfiguredSilo(settings);
        var failure = Should.Throw<Exception>(() => silo.CreateClient());
        var messages = new List<string>();
        for (Exception? e = failure; e is not null; e = e.InnerException) messages.Add(e.Message);
        return string.Join(" | ", messages);
    }

    [Fact]
    public async Task The_bootstrap_admin_signs_in_with_role_admin()
    {
        await using var silo = new ConfiguredSilo(BootstrapAdmin());

        var me = await (await silo.ClientAsync(Email, Password)).GetFromJsonAsync<JsonElement>("/api/me");
        me.GetProperty("email").GetString().ShouldBe(Email);
        me.GetProperty("role").GetString().ShouldBe("admin");
        (await silo.UserEmailsAsync(Email, Password)).ShouldBe([Email]);
        (await silo.SignInAsync(Email, "wrong password")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_restart_on_the_same_data_keeps_the_one_bootstrap_admin()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"ates-bootstrap-{Guid.NewGuid():N}");
        try
        {
            var settings = BootstrapAdmin(("Ates:DataDirectory", directory));
            Guid firstId;
            await using (var first = new ConfiguredSilo(settings))
            {
                firstId = (await (await first.ClientAsync(Email, Password)).GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("id").GetGuid();
            }
            await using var second = new ConfiguredSilo(settings);

            var me = await (await second.ClientAsync(Email, Password)).GetFromJsonAsync<JsonElement>("/api/me");
            me.GetProperty("id").GetGuid().ShouldBe(firstId);
            (await second.UserEmailsAsync(Email, Password)).ShouldBe([Email]);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Silos_starting_at_once_on_one_store_register_the_bootstrap_admin_once()
    {
        await using var store = new InMemoryJournal();
        var silos = Enumerable.Range(0, 3).Select(_ => new ConfiguredSilo(BootstrapAdmin(("Ates:SeedDemoUsers", "true")), store)).ToList();
        try
        {
            // Each silo seeds the demo users too, so the registry's appends race from every side.
            await Task.WhenAll(silos.Select(silo => Task.Run(() => silo.CreateClient())));

            foreach (var silo in silos)
            {
                var emails = await silo.UserEmailsAsync(Email, Password);
                emails.Count(e => e == Email).ShouldBe(1);
                emails.Count.ShouldBe(1 + 6);
            }
        }
        finally
        {
            foreach (var silo in silos) await silo.DisposeAsync();
        }
    }

    public static TheoryData<string, string?, string?, string> BadBootstrapAdmins() => new()
    {
        // email, password, name, what the start-up error says
        { Email, null, null, "Ates:BootstrapAdmin:Email is set but Ates:BootstrapAdmin:Password is not" },
        { "", Password, null, "Ates:BootstrapAdmin:Password is set but Ates:BootstrapAdmin:Email is not" },
        { Email, "hunter2", null, "Ates:BootstrapAdmin:Password is too short: a password is at least 8 characters" },
        { "not an email", Password, null, "Ates:BootstrapAdmin:Email 'not an email' is not a valid email address" },
        { Email, Password, " ", "Ates:BootstrapAdmin:Name is 1 to 100 characters" },
    };

    [Theory]
    [MemberData(nameof(BadBootstrapAdmins))]
    public void A_half_or_bad_bootstrap_admin_stops_the_silo_at_start(string email, string? password, string? name, string message)
    {
        var settings = BootstrapAdmin(("Ates:BootstrapAdmin:Email", email), ("Ates:BootstrapAdmin:Password", password));
        if (name is not null) settings["Ates:BootstrapAdmin:Name"] = name;

        var failure = StartFailure(settings);
        failure.ShouldContain(message);
        if (password is not null) failure.ShouldNotContain(password);
    }

    [Fact]
    public void Postgres_without_a_connection_string_stops_the_silo_at_start_naming_the_key()
    {
        StartFailure(new() { ["Ates:Storage"] = "postgres" })
            .ShouldContain("Ates:Storage is Postgres but no connection string is set: set ConnectionStrings:Ates");
    }

    [Fact]
    public async Task The_demo_users_and_their_well_known_passwords_exist_only_in_development_or_when_asked_for()
    {
        await using (var production = new ConfiguredSilo(new Dictionary<string, string?>()))
            (await production.SignInAsync("admin@ates.local", "admin")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        await using (var development = new ConfiguredSilo(new Dictionary<string, string?>()))
        await using (var developer = development.WithWebHostBuilder(b => b.UseEnvironment("Development")))
            (await developer.CreateClient().PostAsJsonAsync("/api/auth/token", new { email = "admin@ates.local", password = "admin" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        await using var asked = new ConfiguredSilo(new Dictionary<string, string?> { ["Ates:SeedDemoUsers"] = "true" });
        (await asked.SignInAsync("worker0@ates.local", "worker0")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public void Postgres_without_a_key_ring_certificate_or_key_file_stops_the_silo_rather_than_store_the_keys_in_plain_text()
    {
        StartFailure(new() { ["Ates:Storage"] = "Postgres", ["ConnectionStrings:Ates"] = "Host=127.0.0.1;Port=1;Username=x;Database=x" })
            .ShouldContain("Set Ates:KeyRing:Certificate (a PFX file every silo and frontend shares, with Ates:KeyRing:Password) or Ates:KeyRing:KeyFile");
    }

    private sealed class DeletedAtEnd(string path) : IDisposable
    {
        public void Dispose() => File.Delete(path);
    }

    [Fact]
    public void An_unknown_storage_stops_the_silo_at_start_listing_the_known_ones()
    {
        StartFailure(new() { ["Ates:Storage"] = "Cassandra" })
            .ShouldContain("Ates:Storage 'Cassandra' is not known; set it to Embedded or Postgres.");
    }

    [Fact]
    public async Task A_silo_on_postgres_serves_the_bootstrap_admin_no_demo_users_and_keeps_its_data_across_a_restart()
    {
        var server = await PostgresTestServer.SharedAsync();
        var database = await server.CreateDatabaseAsync();
        var keyFile = Path.Combine(Path.GetTempPath(), $"ates-keyring-{Guid.NewGuid():N}.pfx");
        using var _ = new DeletedAtEnd(keyFile);
        var settings = new Dictionary<string, string?>
        {
            ["Ates:Storage"] = "Postgres", ["ConnectionStrings:Ates"] = database,
            ["Ates:BootstrapAdmin:Email"] = Email, ["Ates:BootstrapAdmin:Password"] = Password,
            ["Ates:KeyRing:KeyFile"] = keyFile,
        };
        Guid taskId;
        await using (var first = new ConfiguredSilo(settings))
        {
            (await first.UserEmailsAsync(Email, Password)).ShouldBe([Email]);
            (await first.SignInAsync("admin@ates.local", "admin")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            var admin = await first.ClientAsync(Email, Password);
            (await admin.PostAsJsonAsync("/api/users", new { email = "w@ates.test", name = "W", role = "worker", password = "longenough" })).StatusCode.ShouldBe(HttpStatusCode.Created);
            var created = await admin.PostAsJsonAsync("/api/tasks", new { title = "Kept in PostgreSQL" });
            created.StatusCode.ShouldBe(HttpStatusCode.Created);
            taskId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
            var cluster = await admin.GetFromJsonAsync<JsonElement>("/api/cluster");
            cluster.GetProperty("silos").EnumerateArray().Count(s => s.GetProperty("status").GetString() == "Active").ShouldBe(1);
        }

        // The other way to name the database (inside the Ates section, as docs/design.md lists it), on a new silo process.
        settings.Remove("ConnectionStrings:Ates");
        settings["Ates:ConnectionStrings:Ates"] = database;
        await using var second = new ConfiguredSilo(settings);
        var again = await second.ClientAsync(Email, Password);
        (await again.GetFromJsonAsync<JsonElement>($"/api/tasks/{taskId}")).GetProperty("title").GetString().ShouldBe("Kept in PostgreSQL");
        (await second.UserEmailsAsync(Email, Password)).ShouldBe([Email, "w@ates.test"]);
    }
}
