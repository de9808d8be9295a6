using System.Security.Cryptography;
using System.Text;

namespace Ates.Grains.Interfaces;

/// <summary>
/// A client's Idempotency-Key on <c>POST /api/tasks</c> (docs/api.md): the key and its user name the task, so a retry goes
/// to the same task grain, on any silo or frontend, and finds the task the first request created (or creates it, if
/// the first never got that far). Nothing is stored for the key itself: the task's stream is the record, kept for as
/// long as the task exists, which is longer than the 24 hours docs/api.md promises.
/// </summary>
public static class IdempotencyKeys
{
    public const string Header = "Idempotency-Key";
    public const int MaxLength = 100;

    /// <summary>The key as given, checked: 1–100 characters, none of them control characters.</summary>
    public static string Validate(string? key)
    {
        if (string.IsNullOrWhiteSpace(key) || key.Length > MaxLength || key.Any(char.IsControl))
            throw DomainException.Invalid(Header, $"The Idempotency-Key is 1 to {MaxLength} printable characters, the same on every retry of one request.");
        return key;
    }

    /// <summary>The task id a user's key names: a name-based UUID (version 8) from SHA-256 of the user and the key.</summary>
    public static Guid TaskId(Guid userId, string key)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"ates/task\n{userId:N}\n{key}"), hash);
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80); // version 8: custom, name-based
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 9562 variant
        return new Guid(bytes, bigEndian: true);
    }
}
