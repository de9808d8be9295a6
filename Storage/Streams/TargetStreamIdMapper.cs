using Ates.Journal;
using Orleans.Metadata;
using Orleans.Runtime;
using Orleans.Streams;

namespace Ates.Storage.Streams;

/// <summary>
/// Maps a consumer's partitioned stream ("target#partition", <see cref="JournalPartitions.StreamOf"/>) to the target's
/// grain, so one grain gets its target's events from every partition. Named on the consumer grains'
/// <c>[ImplicitStreamSubscription(namespace, JournalPartitions.TargetMapper)]</c>.
/// </summary>
public sealed class TargetStreamIdMapper : IStreamIdMapper
{
    public const string Name = JournalPartitions.TargetMapper;

    public IdSpan GetGrainKeyId(GrainBindings grainBindings, StreamId streamId)
    {
        var key = JournalPartitions.TargetKeyOf(streamId.GetKeyAsString());
        string? keyType = null;
        foreach (var binding in grainBindings.Bindings)
        {
            if (binding.TryGetValue(WellKnownGrainTypeProperties.BindingTypeKey, out var type) && type == WellKnownGrainTypeProperties.StreamBindingTypeValue
                && binding.TryGetValue(WellKnownGrainTypeProperties.LegacyGrainKeyType, out var legacy)) keyType = legacy;
        }
        return keyType switch
        {
            nameof(Guid) => GrainIdKeyExtensions.CreateGuidKey(Guid.Parse(key)),
            nameof(Int64) => GrainIdKeyExtensions.CreateIntegerKey(long.Parse(key, System.Globalization.CultureInfo.InvariantCulture)),
            _ => IdSpan.Create(key),
        };
    }
}
