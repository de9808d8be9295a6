using System.Globalization;
using Ates.Grains.EventSourcing;
using Ates.Grains.Interfaces;
using Ates.Grains.Interfaces.Events;
using Ates.Journal;

namespace Ates.Grains;

/// <summary>
/// Every task, as rows of a read model in the journal's database (<see cref="TaskBoardRows"/>), which the board
/// subscription's writers keep from the task events: the board filters, searches and pages in the database, and holds no
/// task in memory. Before answering it waits until the rows show every task event acknowledged before the question
/// (the writers tell it how far they have applied their partitions), so a listing or a shuffle sees every task that
/// was created, assigned or completed before it began.
/// </summary>
[GrainType("taskboard")]
public sealed class TaskBoardGrain(IEventJournal journal, IReadModelStore rows, IEventSerializer serializer, BusinessCalendar calendar, RandomSource random,
    UserDirectory users) : Grain, ITaskBoardGrain
{
    private const int ShuffleParallelism = 256;
    private const int ShufflePage = 10_000;

    /// <summary>Longest a question waits for the rows to catch up before it is answered with what they show.</summary>
    private static readonly TimeSpan CatchUpWithin = TimeSpan.FromSeconds(5);

    private readonly JournalPosition[] _applied = new JournalPosition[JournalPartitions.Count];
    private TaskCompletionSource _moved = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var applied = await rows.AppliedThroughAsync(TaskBoardRows.Model, cancellationToken);
        for (var p = 0; p < _applied.Length; p++) _applied[p] = JournalPosition.Max(_applied[p], applied[p]);
    }

    public Task Applied(int partition, JournalPosition through)
    {
        if (partition is >= 0 and < JournalPartitions.Count && through > _applied[partition])
        {
            _applied[partition] = through;
            var moved = _moved;
            _moved = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            moved.TrySetResult();
        }
        return Task.CompletedTask;
    }

    public async Task<TaskPage> List(Guid? assigneeId, string? status, string? query, int limit, string? after, string? sort)
    {
        if (query is { Length: > 200 }) throw DomainException.Invalid("q", "The search is at most 200 characters.");
        var words = (query ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(w => w.ToLowerInvariant()).Distinct().ToList();
        if (limit is < 1 or > 500) throw DomainException.Invalid("limit", "The limit is between 1 and 500.");
        if (status is not (null or TaskStatuses.Open or TaskStatuses.Done)) throw DomainException.Invalid("status", "The status is open or done.");
        var order = sort switch
        {
            null or TaskSorts.Newest => ReadOrder.Seq,
            TaskSorts.Fee => ReadOrder.RankA,
            TaskSorts.Reward => ReadOrder.RankB,
            _ => throw DomainException.Invalid("sort", "The sort is newest, fee or reward."),
        };
        var (before, beforeRank) = after is null ? (null, null) : Cursor(after, order);

        await CaughtUpAsync();
        // The cursor is the last task of the previous page: its creation's journal position, and its fee or reward when sorting by one.
        var filter = new ReadQuery(TaskBoardRows.Model, assigneeId?.ToString("N"), status, words, before, limit + 1, order, beforeRank);
        var page = await rows.QueryAsync(filter);
        var total = await rows.CountAsync(filter);
        var next = page.Count > limit ? CursorOf(page[limit - 1], filter) : null;
        return new TaskPage(page.Take(limit).Select(TaskBoardRows.Task).ToList(), next, total);
    }

    private static string CursorOf(ReadRow last, ReadQuery query) => query.Order == ReadOrder.Seq
        ? last.Seq.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{query.RankOf(last)}_{last.Seq}");

    private static (long?, decimal?) Cursor(string after, ReadOrder order)
    {
        var parts = after.Split('_');
        if (order == ReadOrder.Seq && parts.Length == 1 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var seq)) return (seq, null);
        if (order != ReadOrder.Seq && parts.Length == 2 && decimal.TryParse(parts[0], NumberStyles.Number, CultureInfo.InvariantCulture, out var rank)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var rankSeq)) return (rankSeq, rank);
        throw DomainException.Invalid("after", "Not a cursor this API returned for this sort.");
    }

    public async Task<int> Shuffle(Guid actorId)
    {
        var actor = await GrainFactory.GetGrain<IUserRegistryGrain>(Singletons.Key).Get(actorId);
        if (actor is null || !Roles.CanShuffle(actor.Role)) throw new DomainException(DomainError.Forbidden, Roles.Allowed(Roles.Manager, Roles.Admin));
        var assignable = await users.AssignableAsync();
        if (assignable.Count == 0) throw new DomainException(DomainError.Conflict, "There is nobody to assign tasks to.");

        await CaughtUpAsync();
        var shuffleId = Guid.CreateVersion7();
        var reassigned = 0;
        long? before = null;
        while (true)
        {
            var open = await rows.QueryAsync(new ReadQuery(TaskBoardRows.Model, null, TaskStatuses.Open, [], before, ShufflePage));
            await Concurrently.ForEachAsync(open, ShuffleParallelism, async row =>
            {
                if (await ReassignAsync(row, random.Pick(assignable), shuffleId)) reassigned++;
            });
            if (open.Count < ShufflePage) return reassigned;
            before = open[^1].Seq;
        }
    }

    /// <summary>
    /// Rule 4 for one task, appended to the task's own journal stream at the version its row shows, as the task grain
    /// would (a task open at that version is reassigned, charged again by billing from the event): a hundred thousand
    /// tasks are then a hundred thousand group-committed appends, not a hundred thousand grain activations. When the
    /// task moved on since its row (completed, reassigned) the append is refused for its version, and the task grain
    /// decides on its own state instead. A task grain that is active keeps what it holds until it asks the journal
    /// again, which it does before a read or a refusal (<c>EventSourcedGrain.CaughtUpAsync</c>).
    /// </summary>
    private async Task<bool> ReassignAsync(ReadRow row, Guid assignee, Guid shuffleId)
    {
        var task = TaskBoardRows.Task(row);
        var (type, version, data) = serializer.Serialize(new TaskAssigned(task.Id, assignee, task.AssigneeId, task.AssignFee, AssignReasons.Shuffle, shuffleId,
            task.Title, task.JiraId));
        var metadata = EventStamp.Now(calendar);
        try
        {
            await journal.AppendAsync(StreamIds.For("task", TaskBoardRows.Key(task.Id)), row.Version,
                [new NewEvent(Guid.CreateVersion7(metadata.OccurredAt), type, version, data, metadata)]);
            return true;
        }
        catch (JournalConflictException)
        {
            return await GrainFactory.GetGrain<ITaskGrain>(task.Id).Reassign(assignee, shuffleId);
        }
    }

    /// <summary>
    /// Waits until every task event acknowledged before now is on the rows: no partition holds a task event between what
    /// its writer has applied and the journal's head of now. The writers tell this grain as they apply (<see cref="Applied"/>).
    /// </summary>
    private async Task CaughtUpAsync()
    {
        var head = await journal.ReadHeadAsync();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        for (var p = 0; p < JournalPartitions.Count; p++)
        {
            while (true)
            {
                // Taken before looking, so a writer's word that comes meanwhile is not missed.
                var moved = _moved.Task;
                if (!await TaskEventBetweenAsync(p, _applied[p], head)) break;
                var left = CatchUpWithin - waited.Elapsed;
                if (left <= TimeSpan.Zero) return; // the board subscription is behind: answer with what the rows show
                try
                {
                    await moved.WaitAsync(left);
                }
                catch (TimeoutException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Whether partition <paramref name="partition"/> has a task event after <paramref name="applied"/> and at or before <paramref name="head"/>.</summary>
    private async Task<bool> TaskEventBetweenAsync(int partition, JournalPosition applied, JournalPosition head)
    {
        const int page = 256;
        var from = applied;
        while (from < head)
        {
            var events = await journal.ReadPartitionAsync(partition, from, page);
            foreach (var e in events)
            {
                if (e.Position > head) return false;
                if (e.StreamNamespace == "task") return true;
            }
            if (events.Count < page) return false;
            from = events[^1].Position;
        }
        return false;
    }
}
