namespace Ates.Grains.Interfaces;

public enum DomainError
{
    Invalid,
    NotFound,
    Forbidden,
    Conflict,
}

/// <summary>A business rule refused a command; nothing changed. The gateway maps the kind to 400/404/403/409.</summary>
public sealed class DomainException(DomainError error, string message, IReadOnlyDictionary<string, string[]>? errors = null) : Exception(message)
{
    public DomainError Error { get; } = error;

    /// <summary>Field → messages, for invalid input.</summary>
    public IReadOnlyDictionary<string, string[]>? Errors { get; } = errors;

    public static DomainException Invalid(string field, string message) => new(DomainError.Invalid, message, new Dictionary<string, string[]> { [field] = [message] });
}
