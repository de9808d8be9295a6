namespace Ates.Grains.Interfaces;

public enum DomainError
{
    Invalid,
    NotFound,
    Forbidden,
    Conflict,

    /// <summary>A repeat of an earlier request (by its Idempotency-Key) that asks for something else: 422.</summary>
    Mismatch,
}

/// <summary>A business rule refused a command; nothing changed. The gateway maps the kind to 400/404/403/409/422.</summary>
[GenerateSerializer, Alias("ates.domain-exception")]
public sealed class DomainException : Exception
{
    public DomainException(DomainError error, string message, IReadOnlyDictionary<string, string[]>? errors = null) : base(message)
    {
        Error = error;
        Errors = errors;
    }

    [Id(0)] public DomainError Error { get; }

    /// <summary>Field → messages, for invalid input.</summary>
    [Id(1)] public IReadOnlyDictionary<string, string[]>? Errors { get; }

    public static DomainException Invalid(string field, string message) => new(DomainError.Invalid, message, new Dictionary<string, string[]> { [field] = [message] });
}
