using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ates.Grains.Interfaces;
using Ates.Runtime;
using Ates.Silo.Gateway;

namespace Ates.Silo.Apis;

public sealed record EventView(Guid EventId, string Position, string Type, int Version, string StreamId, DateTimeOffset OccurredAt,
    string? CorrelationId, string? CausationId, JsonNode? Data);

public sealed record EventPage(IReadOnlyList<EventView> Items, string? Next);

public static class OperationsApi
{
    public static IEndpointRouteBuilder MapOperationsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/notifications", (HttpContext context, IGrainFactory grains) => grains.GetGrain<IInboxGrain>(context.Me().Id).List())
            .RequireUser().WithTags("Notifications");

        app.MapGet("/api/events", async (string? after, int? limit, IEventStore store) =>
        {
            var from = LogPosition.Start;
            if (after is not null && !TryParsePosition(after, out from)) throw DomainException.Invalid("after", "Not a position this API returned.");
            var take = limit ?? 100;
            if (take is < 1 or > 1000) throw DomainException.Invalid("limit", "The limit is between 1 and 1000.");
            var events = await store.ReadAllAsync(from, take);
            var items = events.Select(View).ToList();
            return new EventPage(items, events.Count == take ? Format(events[^1].Position) : null);
        }).RequireUser(Roles.Admin).WithTags("Operations");

        var deadLetters = app.MapGroup("/api/dead-letters").WithTags("Operations").RequireUser(Roles.Admin);
        deadLetters.MapGet("/", (SubscriptionOperations operations) => operations.ListDeadLettersAsync());
        deadLetters.MapPost("/{id:guid}/retry", async (Guid id, SubscriptionOperations operations) =>
        {
            var (outcome, letter) = await operations.RetryDeadLetterAsync(id);
            return outcome switch
            {
                DeadLetterRetryOutcome.Delivered => Results.Ok(letter),
                DeadLetterRetryOutcome.FailedAgain => Errors.Problem(409, "The event failed again.", letter!.Error),
                _ => Errors.Problem(404, "No such dead letter."),
            };
        });
        deadLetters.MapDelete("/{id:guid}", async (Guid id, SubscriptionOperations operations) =>
            await operations.DiscardDeadLetterAsync(id) ? Results.NoContent() : Errors.Problem(404, "No such dead letter."));
        return app;
    }

    internal static EventView View(RecordedEvent e)
    {
        JsonNode? data;
        try
        {
            data = JsonNode.Parse(e.Data);
        }
        catch (JsonException)
        {
            data = null;
        }
        // Password hashes stay in the silo.
        if (data is JsonObject fields) fields.Remove("passwordHash");
        return new EventView(e.EventId, Format(e.Position), e.Type, e.Version, e.StreamId, e.Metadata.OccurredAt, e.Metadata.CorrelationId, e.Metadata.CausationId, data);
    }

    private static string Format(LogPosition position) => position.ToString();

    private static bool TryParsePosition(string value, out LogPosition position)
    {
        position = LogPosition.Start;
        var parts = value.Split(':');
        if (parts.Length != 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var tx)
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var seq)) return false;
        position = new LogPosition(tx, seq);
        return true;
    }
}
