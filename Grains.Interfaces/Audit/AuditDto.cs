namespace Ates.Grains.Interfaces;

/// <summary>
/// The books re-derived from the task events and compared with what the consumers recorded (docs/design.md "Proving the
/// books"). Judged: the task events billing has delivered (up to <see cref="CheckedThrough"/>, a journal position);
/// <see cref="Pending"/> counts the task events after it.
/// </summary>
[GenerateSerializer, Immutable, Alias("ates.audit")]
public sealed record AuditDto(
    [property: Id(0)] bool Ok,
    [property: Id(1)] string CheckedThrough,
    [property: Id(2)] DateTimeOffset CheckedAt,
    [property: Id(3)] long Events,
    [property: Id(4)] int Tasks,
    [property: Id(5)] int Accounts,
    [property: Id(6)] int Days,
    [property: Id(7)] long Pending,
    [property: Id(8)] IReadOnlyList<AuditDifference> Differences);
