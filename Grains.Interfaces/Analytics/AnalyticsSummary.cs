namespace Ates.Grains.Interfaces;

[GenerateSerializer, Immutable, Alias("ates.analytics-summary")]
public sealed record AnalyticsSummary(
    [property: Id(0)] DateOnly Date,
    [property: Id(1)] decimal ManagementEarnings,
    [property: Id(2)] int NegativeBalances);
