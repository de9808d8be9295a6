using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ates.Grains.Interfaces;
using Ates.Journal;
using Ates.Storage.Streams;
using Ates.Client.Gateway;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

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
        app.MapGet("/api/notifications", NotificationsAsync).RequireUser().WithTags("Notifications").WithName("ListNotifications").WithSummary("List my notifications");

        app.MapGet("/api/events", EventsAsync).RequireUser(Roles.Admin).WithTags("Operations").WithName("ListEvents").WithSummary("Read the event journal")
            .WithDescription("Every event in the order the journal holds them, a page at a time: pass `next` as `after` for the following page.");

        var deadLetters = app.MapGroup("/api/dead-letters").WithTags("Operations").RequireUser(Roles.Admin);
        deadLetters.MapGet("/", DeadLettersAsync).WithName("ListDeadLetters").WithSummary("List dead letters")
            .WithDescription("Events a subscription could not handle after its retries, parked so the rest flow on.");
        deadLetters.MapPost("/{id:guid}/retry", RetryAsync).WithName("RetryDeadLetter").WithSummary("Retry a dead letter")
            .Refuses(404, "No such dead letter.").Refuses(409, "The event failed again; it stays parked.");
        deadLetters.MapDelete("/{id:guid}", DiscardAsync).WithName("DiscardDeadLetter").WithSummary("Discard a dead letter")
            .Refuses(404, "No such dead letter.");
        return app;
    }

    private static async Task<Ok<IReadOnlyList<NotificationDto>>> NotificationsAsync(HttpContext context, IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IInboxGrain>(context.Me().Id).List());

    private static async Task<Ok<EventPage>> EventsAsync([FromQuery(Name = "after")] string? after, [FromQuery(Name = "limit")] long? limit, IEventJournal journal)
    {
        var from = JournalPosition.Start;
        if (after is not null && !JournalPosition.TryParse(after, out from)) throw DomainException.Invalid("after", "Not a position this API returned.");
        if (limit is < 1 or > 1000) throw DomainException.Invalid("limit", "The limit is between 1 and 1000.");
        var take = (int)(limit ?? 100);
        var events = await journal.ReadLogAsync(from, take);
        var items = events.Where(e => PublicEvent.IsPublished(e.Type)).Select(View).ToList(); // `next` still moves past the rest
        return TypedResults.Ok(new EventPage(items, events.Count == take ? Format(events[^1].Position) : null));
    }

    private static async Task<Ok<List<DeadLetterView>>> DeadLettersAsync(Subscriptions subscriptions) =>
        TypedResults.Ok((await subscriptions.DeadLettersAsync()).Select(p => View(p.Letter, p.Queue)).ToList());

    private static async Task<Results<Ok<DeadLetterView>, ProblemHttpResult>> RetryAsync(Guid id, Subscriptions subscriptions)
    {
        var (outcome, letter) = await subscriptions.RetryAsync(id);
        return outcome switch
        {
            DeadLetterRetryOutcome.Delivered => TypedResults.Ok(View(letter!, null)),
            DeadLetterRetryOutcome.FailedAgain => Errors.Refuse(409, "The event failed again.", letter!.Error),
            _ => Errors.Refuse(404, "No such dead letter."),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DiscardAsync(Guid id, Subscriptions subscriptions) =>
        await subscriptions.DiscardAsync(id) ? TypedResults.NoContent() : Errors.Refuse(404, "No such dead letter.");

    private static DeadLetterView View(DeadLetter d, int? queue) =>
        new(d.Id, d.Subscription, queue, d.EventId, d.Type, d.StreamId, d.Error, d.Attempts, d.FirstFailedAt, d.LastFailedAt);

    internal static EventView View(JournalEvent e) =>
        new(e.EventId, Format(e.Position), e.Type, e.Version, e.StreamId, e.Metadata.OccurredAt, e.Metadata.CorrelationId, e.Metadata.CausationId, PublicEvent.Data(e));

    private static string Format(JournalPosition position) => position.ToString();
}
