using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Ates.Api.Tests;

/// <summary>GET /api/accounting/audit as an accountant meets it (docs/api.md), and the gauge an operator alerts on.</summary>
public sealed class AuditApiTests(AtesApi api) : IClassFixture<AtesApi>
{
    [Fact]
    public async Task Books_kept_by_ates_pass_the_audit_whole_through_the_last_event_and_the_gauge_on_metrics_says_zero()
    {
        var manager = await api.ClientAsync("manager");
        for (var i = 0; i < 5; i++)
            (await manager.PostAsync("/api/tasks", new StringContent($$"""{"title":"Audited {{i}}"}""", Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();

        JsonElement audit = default;
        // Billing's checkpoints move a moment after the fees are on the ledger: until then the newest events are pending.
        await api.UntilAsync(async () => (audit = await api.JsonAsync("accountant", "/api/accounting/audit")).GetProperty("pending").GetInt64() == 0);

        audit.GetProperty("ok").GetBoolean().ShouldBeTrue(audit.ToString());
        audit.GetProperty("differences").GetArrayLength().ShouldBe(0);
        audit.GetProperty("tasks").GetInt32().ShouldBeGreaterThanOrEqualTo(5);
        audit.GetProperty("accounts").GetInt32().ShouldBeGreaterThan(0);
        audit.GetProperty("days").GetInt32().ShouldBeGreaterThanOrEqualTo(1);
        audit.GetProperty("events").GetInt64().ShouldBeGreaterThanOrEqualTo(5 * 3, "each task: created, assigned, its fee");
        audit.GetProperty("checkedThrough").GetString().ShouldNotBeNullOrEmpty();
        audit.GetProperty("checkedAt").GetDateTimeOffset().ShouldBeGreaterThan(DateTimeOffset.UtcNow.AddMinutes(-1));

        var metrics = await (await api.ClientAsync(null)).GetStringAsync("/metrics");
        metrics.ShouldMatch(@"(?m)^ates_audit_differences(\{[^}]*\})? 0( |$)");
    }
}
