using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Ates.Grains.Interfaces;
using Ates.Journal;
using Ates.Storage.Journal;
using Ates.Client.Gateway;

namespace Ates.Client.Apis;

/// <summary>
/// GET /api/live: every event as it is committed, as server-sent events, filtered to what the caller may see —
/// admins everything; managers every task event; accountants every ledger and day event; everyone their own
/// tasks, their own account and their own inbox.
/// </summary>
public static class LiveApi
{
    public static IEndpointRouteBuilder MapLiveApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/live", (HttpContext context, JournalTail tail, IGrainFactory grains, IHostApplicationLifetime lifetime, CancellationToken ct) =>
            {
                var me = context.Me();
                if (!Connections.TryOpen(me.Id)) return Errors.Problem(429, "Too many live connections.", $"At most {Connections.PerUser} per user and {Connections.Total} in all.");
                // A shutdown ends every feed at once, so the server does not wait for browsers to hang up.
                var feed = CancellationTokenSource.CreateLinkedTokenSource(ct, lifetime.ApplicationStopping);
                context.Response.RegisterForDispose(feed);
                return TypedResults.ServerSentEvents(StreamAsync(me, tail, grains, feed.Token));
            })
            .RequireUser().WithTags("Live");
        return app;
    }

    private static async IAsyncEnumerable<SseItem<EventView>> StreamAsync(UserDto me, JournalTail tail, IGrainFactory grains, [EnumeratorCancellation] CancellationToken ct)
    {
        try
        {
            var position = await tail.ReadHeadAsync(ct);
            yield return new SseItem<EventView>(Hello(position), "ready");
            var registry = grains.GetGrain<IUserRegistryGrain>(Singletons.Key);
            while (!ct.IsCancellationRequested)
            {
                // What the caller may see follows their current role, as on every other route.
                var current = await registry.Get(me.Id);
                if (current is null) yield break;
                var events = await tail.ReadAsync(position, 512, ct);
                foreach (var e in events)
                {
                    position = e.Position;
                    if (MaySee(current, e)) yield return new SseItem<EventView>(OperationsApi.View(e), e.Type) { EventId = e.Position.ToString() };
                }
                if (events.Count == 512) continue;
                try
                {
                    // Wake at least every 15 s, so a role change or a dead connection is noticed.
                    await tail.WaitForNewerAsync(position, TimeSpan.FromSeconds(15), ct);
                }
                catch (OperationCanceledException)
                {
                    yield break;
                }
            }
        }
        finally
        {
            Connections.Close(me.Id);
        }
    }

    /// <summary>Caps open live connections, per user and in all: each one reads the log on every commit.</summary>
    private static class Connections
    {
        public const int PerUser = 5;
        public const int Total = 500;
        private static readonly Lock Sync = new();
        private static readonly Dictionary<Guid, int> ByUser = [];
        private static int _all;

        public static bool TryOpen(Guid user)
        {
            lock (Sync)
            {
                if (_all >= Total || ByUser.GetValueOrDefault(user) >= PerUser) return false;
                ByUser[user] = ByUser.GetValueOrDefault(user) + 1;
                _all++;
                return true;
            }
        }

        public static void Close(Guid user)
        {
            lock (Sync)
            {
                _all--;
                if (--ByUser[user] == 0) ByUser.Remove(user);
            }
        }
    }

    private static EventView Hello(JournalPosition position) =>
        new(Guid.Empty, position.ToString(), "live.ready", 1, "", DateTimeOffset.UtcNow, null, null, null);

    public static bool MaySee(UserDto me, JournalEvent e)
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

    private static bool MentionsMe(JournalEvent e, Guid me)
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
