namespace Ates.Grains.Interfaces;

/// <summary>One way the books disagree with the work done; <see cref="Detail"/> says it in words.</summary>
[GenerateSerializer, Immutable, Alias("ates.audit-difference")]
public sealed record AuditDifference(
    [property: Id(0)] string Kind,
    [property: Id(1)] Guid? AccountId,
    [property: Id(2)] string? Name,
    [property: Id(3)] Guid? TaskId,
    [property: Id(4)] DateOnly? Date,
    [property: Id(5)] decimal Expected,
    [property: Id(6)] decimal Recorded,
    [property: Id(7)] string Detail);
