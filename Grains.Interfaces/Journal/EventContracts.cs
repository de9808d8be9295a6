using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ates.Journal;

/// <summary>Names an event contract: its type name and version, as stored and as published in schemas/.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class EventTypeAttribute(string name, int version = 1) : Attribute
{
    public string Name { get; } = name;
    public int Version { get; } = version;
}

/// <summary>Turns event records into stored bytes and back.</summary>
public interface IEventSerializer
{
    (string Type, int Version, byte[] Data) Serialize(object @event);

    /// <summary>Decodes a stored event; throws <see cref="EventDecodingException"/> when it cannot.</summary>
    object Deserialize(JournalEvent recordedEvent);
}

public sealed class EventDecodingException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Reads an old contract version as the current one: consumers see only the new shape; producers never write the old.</summary>
public sealed record EventUpcaster(Type From, Type To, Func<object, object> Convert)
{
    public static EventUpcaster Create<TFrom, TTo>(Func<TFrom, TTo> convert) where TFrom : class where TTo : class =>
        new(typeof(TFrom), typeof(TTo), old => convert((TFrom)old));
}

/// <summary>System.Text.Json with strict decoding: unknown members and missing required members are errors.</summary>
public sealed class JsonEventSerializer : IEventSerializer
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
        NumberHandling = JsonNumberHandling.Strict, // the Web defaults would also read numbers from strings
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
    };

    private readonly Dictionary<Type, EventTypeAttribute> _contracts = [];
    private readonly Dictionary<(string, int), Type> _types = [];

    private readonly Dictionary<Type, EventUpcaster> _upcasters = [];
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<JournalEvent, object> _decoded = [];
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<JournalEvent, object>.CreateValueCallback _decode;

    public JsonEventSerializer(IEnumerable<Type> eventTypes, IEnumerable<EventUpcaster>? upcasters = null)
    {
        _decode = Decode;
        foreach (var upcaster in upcasters ?? []) _upcasters.Add(upcaster.From, upcaster);
        foreach (var type in eventTypes.Distinct())
        {
            var contract = type.GetCustomAttribute<EventTypeAttribute>()
                ?? throw new InvalidOperationException($"{type.Name} has no [EventType].");
            if (!_types.TryAdd((contract.Name, contract.Version), type))
            {
                throw new InvalidOperationException($"Event type {contract.Name} v{contract.Version} is declared by {type.Name} and {_types[(contract.Name, contract.Version)].Name}.");
            }
            _contracts[type] = contract;
        }
    }

    public static IEnumerable<Type> FindEventTypes(Assembly assembly) =>
        assembly.GetTypes().Where(t => t.GetCustomAttribute<EventTypeAttribute>() is not null);

    public (string Type, int Version, byte[] Data) Serialize(object @event)
    {
        var type = @event.GetType();
        if (!_contracts.TryGetValue(type, out var contract))
        {
            throw new InvalidOperationException($"{type.Name} is not a registered event type; mark it [EventType] and register its assembly.");
        }
        if (_upcasters.ContainsKey(type))
        {
            throw new InvalidOperationException($"{contract.Name} v{contract.Version} is read-only: it is upcast on read, and producers write the newer version.");
        }
        return (contract.Name, contract.Version, JsonSerializer.SerializeToUtf8Bytes(@event, type, Options));
    }

    /// <summary>
    /// Decodes a stored event. An event object of the journal is decoded once per silo however many readers look at it
    /// (every subscription's route and consumers receive the same immutable object): the answer is kept beside it.
    /// </summary>
    public object Deserialize(JournalEvent recordedEvent) => _decoded.GetValue(recordedEvent, _decode);

    private object Decode(JournalEvent recordedEvent)
    {
        if (!_types.TryGetValue((recordedEvent.Type, recordedEvent.Version), out var type))
        {
            throw new EventDecodingException($"Unknown event type {recordedEvent.Type} v{recordedEvent.Version} (event {recordedEvent.EventId}).");
        }
        object decoded;
        try
        {
            decoded = JsonSerializer.Deserialize(recordedEvent.Data, type, Options)
                ?? throw new EventDecodingException($"Event {recordedEvent.EventId} ({recordedEvent.Type} v{recordedEvent.Version}) is null.");
        }
        catch (JsonException ex)
        {
            throw new EventDecodingException($"Event {recordedEvent.EventId} ({recordedEvent.Type} v{recordedEvent.Version}) does not match its contract: {ex.Message}", ex);
        }
        while (_upcasters.TryGetValue(decoded.GetType(), out var upcaster)) decoded = upcaster.Convert(decoded);
        return decoded;
    }

    /// <summary>Every registered contract: (name, version, record type).</summary>
    public IEnumerable<(string Name, int Version, Type Type)> Contracts => _contracts.Select(c => (c.Value.Name, c.Value.Version, c.Key));
}
