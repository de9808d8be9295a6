using System.Text.Json;
using System.Text.Json.Nodes;
using Ates.Journal;

namespace Ates.Grains.Interfaces;

/// <summary>
/// A journal event in its public form, as the integration feed publishes it to other systems: at least once, in order
/// per journal stream, so a consumer drops what it has seen by <see cref="EventId"/> (also the Event Hubs message id).
/// <see cref="Data"/> is the event's JSON as in <c>schemas/</c>, with only the fields <see cref="PublicEvent"/> lists.
/// </summary>
[GenerateSerializer, Immutable, Alias("ates.integration-event")]
public sealed record IntegrationEvent(
    [property: Id(0)] Guid EventId,
    [property: Id(1)] string Type,
    [property: Id(2)] int Version,
    [property: Id(3)] string StreamId,
    [property: Id(4)] long StreamVersion,
    [property: Id(5)] string Position,
    [property: Id(6)] DateTimeOffset OccurredAt,
    [property: Id(7)] string? CorrelationId,
    [property: Id(8)] string Data);

public static class IntegrationFeed
{
    /// <summary>
    /// The Orleans stream provider the feed publishes to: Event Hubs in production, memory streams in tests. Not
    /// "integration" itself: each journal subscription is an Orleans stream provider of its own name already.
    /// </summary>
    public const string Provider = "integration-feed";

    /// <summary>The namespace of the feed's streams; each stream's key is the journal stream id ("task/5f0c…").</summary>
    public const string Namespace = "ates.events";
}

/// <summary>
/// What of an event may leave the silos (the integration feed, /api/events): only the event types below, and of each
/// only the fields listed. Everything else stays inside: sessions and their ids, password hashes, emails, and the
/// consumers' own bookkeeping. A new event type or field is private until it is added here.
/// </summary>
public static class PublicEvent
{
    public static readonly IReadOnlyDictionary<string, string[]> Fields = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["task.created"] = ["taskId", "title", "jiraId", "description", "assignFee", "reward", "createdBy"],
        ["task.assigned"] = ["taskId", "assigneeId", "previousAssigneeId", "assignFee", "reason", "shuffleId", "title", "jiraId"],
        ["task.completed"] = ["taskId", "assigneeId", "reward", "title", "jiraId"],
        ["ledger.entry-recorded"] = ["entryId", "accountId", "kind", "amount", "balanceAfter", "taskId", "description", "at", "payoutDate"],
        ["billing-day.closed"] = ["date", "paidOut", "accountsPaid"],
        ["user.registered"] = ["userId", "name", "role"],
        ["user.role-changed"] = ["userId", "role"],
        ["user.disabled-changed"] = ["userId", "disabled"],
        ["user.details-changed"] = ["userId", "name"],
    };

    public static bool IsPublished(string type) => Fields.ContainsKey(type);

    /// <summary>The event's listed fields; null for an event that is not published (or not JSON).</summary>
    public static JsonObject? Data(JournalEvent e)
    {
        if (!Fields.TryGetValue(e.Type, out var allowed)) return null;
        JsonNode? data;
        try
        {
            data = JsonNode.Parse(e.Data);
        }
        catch (JsonException)
        {
            return null;
        }
        if (data is not JsonObject fields) return null;
        var published = new JsonObject();
        foreach (var name in allowed)
            if (fields.TryGetPropertyValue(name, out var value)) published[name] = value?.DeepClone();
        return published;
    }

    /// <summary>The event as the integration feed publishes it; null for one that is not published.</summary>
    public static IntegrationEvent? ForIntegration(JournalEvent e) => Data(e) is { } data
        ? new(e.EventId, e.Type, e.Version, e.StreamId, e.StreamVersion, e.Position.ToString(), e.Metadata.OccurredAt, e.Metadata.CorrelationId, data.ToJsonString())
        : null;
}

/// <summary>
/// The integration feed's message body on the wire (Event Hubs): the public event as JSON, its data an object (not a
/// string), e.g. <c>{"eventId":"…","type":"task.assigned","version":1,"streamId":"task/…","streamVersion":2,
/// "position":"812:3","occurredAt":"2026-12-07T10:00:00+00:00","correlationId":"…","data":{…}}</c>; the same fields
/// travel as message properties for consumers that route before they parse.
/// </summary>
public static class IntegrationMessage
{
    public const string ContentType = "application/json";
    public const string TypeProperty = "ates-type";
    public const string VersionProperty = "ates-version";
    public const string StreamProperty = "ates-stream";
    public const string StreamVersionProperty = "ates-stream-version";
    public const string PositionProperty = "ates-position";
    public const string CorrelationProperty = "ates-correlation-id";

    public static byte[] ToJson(IntegrationEvent e)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("eventId", e.EventId);
            json.WriteString("type", e.Type);
            json.WriteNumber("version", e.Version);
            json.WriteString("streamId", e.StreamId);
            json.WriteNumber("streamVersion", e.StreamVersion);
            json.WriteString("position", e.Position);
            json.WriteString("occurredAt", e.OccurredAt);
            if (e.CorrelationId is null) json.WriteNull("correlationId");
            else json.WriteString("correlationId", e.CorrelationId);
            json.WritePropertyName("data");
            json.WriteRawValue(e.Data);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    public static IntegrationEvent FromJson(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        return new IntegrationEvent(
            root.GetProperty("eventId").GetGuid(),
            root.GetProperty("type").GetString()!,
            root.GetProperty("version").GetInt32(),
            root.GetProperty("streamId").GetString()!,
            root.GetProperty("streamVersion").GetInt64(),
            root.GetProperty("position").GetString()!,
            root.GetProperty("occurredAt").GetDateTimeOffset(),
            root.GetProperty("correlationId").GetString(),
            root.GetProperty("data").GetRawText());
    }
}
