using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Ates.Grains.Interfaces;
using Ates.Runtime;
using Ates.Silo.Gateway;

namespace Ates.Silo.Apis;

/// <summary>
/// GET /api/live: every event as it is committed, as server-sent events, filtered to what the caller may see —
/// admins everything; managers every task event; accountants every ledger and day event; everyone their own
/// tasks, their own account and their own inbox.
/// </summary>
public static class LiveApi
{
    public static IEndpointRouteBuilder MapLiveApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/live", (HttpContext context, IEventStore store, CancellationToken ct) =>
                TypedResults.ServerSentEvents(StreamAsync(context.Me(), store, ct)))
            .RequireUser().WithTags("Live");
        return app;
    }

    private static async IAsyncEnumerable<SseItem<EventView>> StreamAsync(UserDto me, IEventStore store, [EnumeratorCancellation] CancellationToken ct)
    {
        var wake = new SemaphoreSlim(0);
        using var subscription = store.OnCommitted(_ =>
        {
            if (wake.CurrentCount == 0) wake.Release();
        });
        var position = await HeadAsync(store, ct);
        yield return new SseItem<EventView>(Hello(position), "ready");
        while (!ct.IsCancellationRequested)
        {
            var events = await store.ReadAllAsync(position, 512, ct);
            foreach (var e in events)
            {
                position = e.Position;
                if (MaySee(me, e)) yield return new SseItem<EventView>(OperationsApi.View(e), e.Type) { EventId = e.Position.ToString() };
            }
            if (events.Count == 512) continue;
            try
            {
                // A comment-free keep-alive: wake at least every 15 s so a dead connection is noticed.
                await wake.WaitAsync(TimeSpan.FromSeconds(15), ct);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
        }
    }

    private static async Task<LogPosition> HeadAsync(IEventStore store, CancellationToken ct)
    {
        var position = LogPosition.Start;
        while (true)
        {
            var page = await store.ReadAllAsync(position, 4096, ct);
            if (page.Count == 0) return position;
            position = page[^1].Position;
        }
    }

    private static EventView Hello(LogPosition position) =>
        new(Guid.Empty, position.ToString(), "live.ready", 1, "", DateTimeOffset.UtcNow, null, null, null);

    public static bool MaySee(UserDto me, RecordedEvent e)
    {
        if (me.Role == Roles.Admin) return true;
        var mine = me.Id.ToString("N");
        switch (e.StreamNamespace)
        {
            case "task":
                return me.Role == Roles.Manager || MentionsMe(e, me.Id);
            case "account":
                return e.StreamKey == mine || me.Role == Roles.Accountant;
            case "billingday":
                return me.Role == Roles.Accountant;
            case "inbox":
                return e.StreamKey == mine;
            default:
                return false;
        }
    }

    private static bool MentionsMe(RecordedEvent e, Guid me)
    {
        // Task events name their assignee; a created event reaches its assignee through the assigned event after it.
        try
        {
            using var json = JsonDocument.Parse(e.Data);
            return json.RootElement.TryGetProperty("assigneeId", out var assignee) && assignee.ValueKind == JsonValueKind.String && assignee.TryGetGuid(out var id) && id == me
                || json.RootElement.TryGetProperty("previousAssigneeId", out var previous) && previous.ValueKind == JsonValueKind.String && previous.TryGetGuid(out var was) && was == me;
        }
        catch (JsonException)
        {
            return false; // an event that does not parse is shown to admins only
        }
    }
}
