using Orleans.Runtime.Providers;

namespace Ates.Storage.Streams;

/// <summary>
/// Retry pace of a subscription's agents: a failed delivery (a consumer whose storage is down) or a failed read is
/// tried again after 50 ms, doubling to at most 2 s — delivery never gives up (docs/design.md: nothing is skipped), so this
/// only bounds how hard a failing consumer is pressed.
/// </summary>
internal sealed class JournalBackoff : IMessageDeliveryBackoffProvider, IQueueReaderBackoffProvider
{
    public TimeSpan Next(int attempt) => TimeSpan.FromMilliseconds(Math.Min(2000, 50 * Math.Pow(2, Math.Min(attempt, 10))));
}
