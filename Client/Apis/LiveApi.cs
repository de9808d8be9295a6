using System.Text.Json;
using Ates.Grains.Interfaces;
using Ates.Journal;
using Ates.Storage.Journal;
using Ates.Client.Gateway;

namespace Ates.Client.Apis;

/// <summary>
/// GET /api/live: every event as it is committed, as server-sent events, filtered to what the caller may see —
/// admins everything; managers every task event; accountants every ledger and day event; everyone their own
/// tasks and their own account. Each message's id is the journal position, so a browser that reconnects with
/// Last-Event-ID gets what it missed (the last 24 hours at most) before the live events; a comment every 15 s keeps
/// proxies from closing a quiet feed (Ates:Live:KeepAlive); a shutdown ends every feed at once.
/// </summary>
public static class LiveApi
{

    /// <summary>How far back a reconnecting client is caught up: the last 24 hours, and at most this many journal events.</summary>
    public static readonly TimeSpan ResumeWindow = TimeSpan.FromHours(24);

    public const long MaxReplay = 20_000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>One message's data: what happened in words, plus the event as /api/events shows it.</summary>
    public sealed record LiveMessage(string Type, DateTimeOffset At, string Text, Guid EventId, string Position, string StreamId,
        string? CorrelationId, System.Text.Json.Nodes.JsonNode? Data);

    public static IEndpointRouteBuilder MapLiveApi(this IEndpointRouteBuilder app, IConfiguration configuration)
    {
        var keepAlive = Ates.Client.Hosting.AtesSettings.Read(configuration).Live.KeepAlive;
        app.MapGet("/api/live", (HttpContext context, JournalTail tail, IGrainFactory grains, People people, BusinessCalendar calendar, IHostApplicationLifetime lifetime) =>
                FollowAsync(context, tail, grains, people, calendar, lifetime, keepAlive))
            .RequireUser().WithTags("Live").WithName("FollowLive").WithSummary("Follow what changes, live")
            .WithDescription("Server-sent events, filtered to what the caller may see; each message's id is its journal position, so a reconnect with Last-Event-ID catches up on the last 24 hours.")
            .ProducesText("text/event-stream", "Each message: id is its journal position, data a LiveMessage as JSON (type, at, text, the event); comment lines keep a quiet feed open.")
            .Refuses(429, $"Too many live connections: at most {Connections.PerUser} per user and {Connections.Total} in all.");
        return app;
    }

    private static async Task FollowAsync(HttpContext context, JournalTail tail, IGrainFactory grains, People people, BusinessCalendar calendar,
        IHostApplicationLifetime lifetime, TimeSpan keepAlive)
    {
        var me = context.Me();
        if (!Connections.TryOpen(me.Id))
        {
            await Errors.Problem(429, "Too many live connections.", $"At most {Connections.PerUser} per user and {Connections.Total} in all.").ExecuteAsync(context);
            return;
        }
        try
        {
            // A shutdown ends every feed at once, so the server does not wait for browsers to hang up.
            using var feed = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
            JournalPosition? resume = JournalPosition.TryParse(context.Request.Headers["Last-Event-ID"].ToString(), out var p)
                || JournalPosition.TryParse(context.Request.Query["lastEventId"].ToString(), out p) ? p : null;
            // This process's tail of the log reads while any feed follows it.
            tail.Attach();
            try
            {
                await StreamAsync(context, me, resume, tail, grains, people, calendar, keepAlive, feed.Token);
            }
            finally
            {
                tail.Detach();
            }
        }
        catch (OperationCanceledException)
        {
            // the client went away, or the server is stopping
        }
        finally
        {
            Connections.Close(me.Id);
        }
    }

    private static async Task StreamAsync(HttpContext context, UserDto me, JournalPosition? resume, JournalTail tail, IGrainFactory grains, People people,
        BusinessCalendar calendar, TimeSpan keepAlive, CancellationToken ct)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // nginx: pass each message on at once
        context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();

        var directory = context.RequestServices.GetRequiredService<UserDirectory>();
        var head = await context.RequestServices.GetRequiredService<IEventJournal>().ReadHeadAsync(ct);
        // Catching up: from the client's last id, if this journal has it and it is not too far back; events older than
        // the resume window are skipped on the way (the business clock's "now", as event times are).
        var position = resume is { } from && from <= head && head.Seq - from.Seq <= MaxReplay ? from : head;
        var catchUpUntil = head;
        var since = calendar.Now - ResumeWindow;
        await WriteAsync(response, position.ToString(), "live.ready", calendar.Now,
            resume is null ? "Connected; what happens from now on appears here."
            : position == head && resume != head ? "Reconnected; too much happened meanwhile to replay, so here is what happens from now on."
            : "Reconnected; what happened meanwhile follows.", null, ct);

        var sinceLastWrite = System.Diagnostics.Stopwatch.StartNew();
        while (!ct.IsCancellationRequested)
        {
            // What the caller may see follows their current session and role, as on every other route.
            var current = await directory.SessionAsync(me.Id, Auth.SessionOf(context.User)!.Value.SessionId);
            if (current is null) return;
            var events = await tail.ReadAsync(position, 512, ct);
            foreach (var e in events)
            {
                position = e.Position;
                if (e.Position <= catchUpUntil && e.Metadata.OccurredAt < since || !LiveText.IsNews(e.Type) || !MaySee(current, e)) continue;
                var view = OperationsApi.View(e);
                await WriteAsync(response, view.Position, e.Type, e.Metadata.OccurredAt, LiveText.Describe(e, await people.AllAsync(LiveText.PeopleIn(e))), view, ct);
                sinceLastWrite.Restart();
            }
            if (events.Count == 512) continue;
            if (sinceLastWrite.Elapsed >= keepAlive)
            {
                // The id moves the browser's Last-Event-ID past what it was not shown, so a reconnect does not read it again.
                await response.WriteAsync($": keep-alive\nid: {position}\n\n", ct);
                await response.Body.FlushAsync(ct);
                sinceLastWrite.Restart();
            }
            // Wake at least once per keep-alive period, so a quiet feed still gets its comment and a dead session is noticed.
            await tail.WaitForNewerAsync(position, TimeSpan.FromTicks(Math.Max(keepAlive.Ticks - sinceLastWrite.Elapsed.Ticks, TimeSpan.TicksPerMillisecond * 10)), ct);
        }
    }

    private static async Task WriteAsync(HttpResponse response, string id, string type, DateTimeOffset at, string text, EventView? view, CancellationToken ct)
    {
        var message = new LiveMessage(type, at, text, view?.EventId ?? Guid.Empty, id, view?.StreamId ?? "", view?.CorrelationId, view?.Data);
        await response.WriteAsync($"id: {id}\ndata: {JsonSerializer.Serialize(message, Json)}\n\n", ct);
        await response.Body.FlushAsync(ct);
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
