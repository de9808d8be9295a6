using System.Diagnostics;
using Ates.Journal;
using Ates.Storage.Journal;

namespace Ates.Bench;

/// <summary>
/// Follows a journal in commit order from its head when started, as any reader in the silo does (a <see cref="JournalTail"/>
/// of its own: woken by <c>OnAppended</c> after each commit, re-checking shortly on PostgreSQL when a commit is announced
/// but not visible yet), and hands each event to <paramref name="seen"/> with the Stopwatch timestamp at which its
/// read returned, i.e. when it was committed and visible to a reader in this process.
/// </summary>
public sealed class JournalFollower : IAsyncDisposable
{
    private readonly JournalTail _tail;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private JournalFollower(IEventJournal journal, JournalPosition from, Func<IReadOnlyList<JournalEvent>, long, Task> seen)
    {
        _tail = JournalTail.OfLog(journal);
        _tail.Attach();
        _loop = Task.Run(() => LoopAsync(from, seen));
    }

    public static async Task<JournalFollower> StartAsync(IEventJournal journal, Action<JournalEvent, long> seen) =>
        await StartAsync(journal, (events, at) =>
        {
            foreach (var e in events) seen(e, at);
            return Task.CompletedTask;
        });

    /// <summary>A follower that handles each read as a batch, awaiting <paramref name="seen"/> before it reads on.</summary>
    public static async Task<JournalFollower> StartAsync(IEventJournal journal, Func<IReadOnlyList<JournalEvent>, long, Task> seen) =>
        new(journal, await journal.ReadHeadAsync(), seen);

    private async Task LoopAsync(JournalPosition position, Func<IReadOnlyList<JournalEvent>, long, Task> seen)
    {
        var ct = _stop.Token;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var events = await _tail.ReadAsync(position, 4096, ct);
                if (events.Count == 0)
                {
                    await _tail.WaitForNewerAsync(position, TimeSpan.FromMilliseconds(100), ct);
                    continue;
                }
                var at = Stopwatch.GetTimestamp();
                position = events[^1].Position;
                await seen(events, at);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try
        {
            await _loop;
        }
        finally
        {
            await _tail.DisposeAsync();
        }
    }
}
