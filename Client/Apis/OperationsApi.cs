using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ates.Grains.Interfaces;
using Ates.Journal;
using Ates.Storage.Streams;
using Ates.Client.Gateway;

namespace Ates.Client.Apis;

public sealed record EventView(Guid EventId, string Position, string Type, int Version, string StreamId, DateTimeOffset OccurredAt,
    string? CorrelationId, string? CausationId, JsonNode? Data);

public sealed record EventPage(IReadOnlyList<EventView> Items, string? Next);

public sealed record DeadLetterView(Guid Id, string Subscription, int? Partition, Guid EventId, string Type, string StreamId, string Error, int Attempts,
    DateTimeOffset FirstFailedAt, DateTimeOffset LastFailedAt);

public static class OperationsApi
{
    public static IEndpointRouteBuilder MapOperationsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/notifications", (HttpContext context, IGrainFactory grains) => grains.GetGrain<IInboxGrain>(context.Me().Id).List())
            .RequireUser().WithTags("Notifications");

        app.MapGet("/api/events", async (string? after, long? limit, IEventJournal journal) =>
        {
            var from = JournalPosition.Start;
            if (after is not null && !JournalPosition.TryParse(after, out from)) throw DomainException.Invalid("after", "Not a position this API returned.");
            if (limit is < 1 or > 1000) throw DomainException.Invalid("limit", "The limit is between 1 and 1000.");
            var take = (int)(limit ?? 100);
            var events = await journal.ReadLogAsync(from, take);
            var items = events.Where(e => PublicEvent.IsPublished(e.Type)).Select(View).ToList(); // `next` still moves past the rest
            return new EventPage(items, events.Count == take ? Format(events[^1].Position) : null);
        }).RequireUser(Roles.Admin).WithTags("Operations");

        var deadLetters = app.MapGroup("/api/dead-letters").WithTags("Operations").RequireUser(Roles.Admin);
        deadLetters.MapGet("/", async (Subscriptions subscriptions) =>
            (await subscriptions.DeadLettersAsync()).Select(p => View(p.Letter, p.Queue)).ToList());
        deadLetters.MapPost("/{id:guid}/retry", async (Guid id, Subscriptions subscriptions) =>
        {
            var (outcome, letter) = await subscriptions.RetryAsync(id);
            return outcome switch
            {
                DeadLetterRetryOutcome.Delivered => Results.Ok(View(letter!, null)),
                DeadLetterRetryOutcome.FailedAgain => Errors.Problem(409, "The event failed again.", letter!.Error),
                _ => Errors.Problem(404, "No such dead letter."),
            };
        });
        deadLetters.MapDelete("/{id:guid}", async (Guid id, Subscriptions subscriptions) =>
            await subscriptions.DiscardAsync(id) ? Results.NoContent() : Errors.Problem(404, "No such dead letter."));
        return app;
    }

    private static DeadLetterView View(DeadLetter d, int? queue) =>
        new(d.Id, d.Subscription, queue, d.EventId, d.Type, d.StreamId, d.Error, d.Attempts, d.FirstFailedAt, d.LastFailedAt);

    internal static EventView View(JournalEvent e) =>
        new(e.EventId, Format(e.Position), e.Type, e.Version, e.StreamId, e.Metadata.OccurredAt, e.Metadata.CorrelationId, e.Metadata.CausationId, PublicEvent.Data(e));

    private static string Format(JournalPosition position) => position.ToString();
}
