using System.Net;
using System.Text;
using Ates.Grains.Interfaces;
using Ates.Testing;

namespace Ates.Api.Tests;

/// <summary>
/// The client the cluster tests, the chaos run and the benchmarks drive silos with (Ates.Testing's AtesClient, on the
/// generated client): a retry reuses its Idempotency-Key, and every refusal reaches the callers as the AtesApiException
/// with the status their retry loops and fault counts judge by, whether or not the document lists that status.
/// </summary>
public sealed class TestDriverClientTests(AtesApi api) : IClassFixture<AtesApi>
{
    [Fact]
    public async Task A_retry_with_the_same_key_answers_the_same_task_and_refusals_carry_the_gateways_status_and_words()
    {
        var manager = new AtesClient(api.CreateClient());
        (await manager.SignInAsync("manager@ates.local", "manager")).Role.ShouldBe(Roles.Manager);

        var key = Guid.NewGuid().ToString();
        var created = await manager.CreateTaskAsync("Driven by the test client", "DRV-1", idempotencyKey: key);
        (await manager.CreateTaskAsync("Driven by the test client", "DRV-1", idempotencyKey: key)).Id.ShouldBe(created.Id);
        (created.Status, created.JiraId, created.Reward > 0m, created.AssignFee > 0m).ShouldBe((TaskStatuses.Open, "DRV-1", true, true));

        var invalid = await Should.ThrowAsync<AtesApiException>(manager.CreateTaskAsync(""));
        invalid.Status.ShouldBe(HttpStatusCode.BadRequest);
        invalid.Errors!.Keys.ShouldContain("title");

        var missing = await Should.ThrowAsync<AtesApiException>(manager.GetTaskAsync(Guid.NewGuid()));
        missing.Status.ShouldBe(HttpStatusCode.NotFound);
        missing.Title.ShouldNotBeNullOrEmpty();

        var anonymous = await Should.ThrowAsync<AtesApiException>(new AtesClient(api.CreateClient()).MyAccountAsync());
        anonymous.Status.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadGateway, "text/html", "<html>bad gateway</html>")] // not in the document for any operation
    [InlineData(HttpStatusCode.ServiceUnavailable, "application/problem+json", """{"title":"The cluster is not reachable","status":503}""")]
    [InlineData(HttpStatusCode.ServiceUnavailable, "text/html", "<html>unavailable</html>")] // a listed status in a body the client cannot read
    [InlineData(HttpStatusCode.ServiceUnavailable, null, "")] // a listed status with no body
    public async Task A_failure_from_whatever_answers_in_front_of_the_silos_is_an_AtesApiException_with_its_status(HttpStatusCode status, string? contentType, string body)
    {
        using var http = new HttpClient(new Answering(status, contentType, body)) { BaseAddress = new Uri("http://gateway.test") };

        var failure = await Should.ThrowAsync<AtesApiException>(new AtesClient(http).ListTasksAsync());

        failure.Status.ShouldBe(status);
    }

    /// <summary>Answers every request with one canned response, as a proxy or a failing frontend would.</summary>
    private sealed class Answering(HttpStatusCode status, string? contentType, string body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            if (contentType is not null) content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
            return Task.FromResult(new HttpResponseMessage(status) { Content = content, RequestMessage = request });
        }
    }
}
