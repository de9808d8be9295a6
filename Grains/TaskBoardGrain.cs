using System.Globalization;
using Ates.Grains.Interfaces;
using Ates.Grains.Interfaces.Events;
using Ates.Journal;

namespace Ates.Grains;

/// <summary>
/// Every task, read straight from the journal: before answering, the board applies whatever task events were
/// appended since it last looked. So a listing or a shuffle sees every task acknowledged before it began, and the
/// board needs no storage of its own (a new activation rebuilds it from the journal).
/// </summary>
[GrainType("taskboard")]
public sealed class TaskBoardGrain(IEventJournal journal, IEventSerializer serializer, RandomSource random) : Grain, ITaskBoardGrain
{
    private const int ShuffleParallelism = 256;
    private readonly Dictionary<Guid, Entry> _tasks = [];
    private JournalPosition _position = JournalPosition.Start;

    public override Task OnActivateAsync(CancellationToken cancellationToken) => CatchUpAsync();

    public async Task<TaskPage> List(Guid? assigneeId, string? status, string? query, int limit, string? after)
    {
        if (query is { Length: > 200 }) throw DomainException.Invalid("q", "The search is at most 200 characters.");
        var words = (query ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (limit is < 1 or > 500) throw DomainException.Invalid("limit", "The limit is between 1 and 500.");
        if (status is not (null or TaskStatuses.Open or TaskStatuses.Done)) throw DomainException.Invalid("status", "The status is open or done.");
        long? cursor = null;
        if (after is not null)
        {
            if (!long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)) throw DomainException.Invalid("after", "Not a cursor this API returned.");
            cursor = parsed;
        }

        await CatchUpAsync();
        // Newest first; the cursor is the log sequence of the last task on the previous page.
        var page = _tasks.Values
            .Where(t => (assigneeId is null || t.Task.AssigneeId == assigneeId) && (status is null || t.Task.Status == status) && (cursor is null || t.Sequence < cursor)
                        && words.All(w => t.Task.Title.Contains(w, StringComparison.OrdinalIgnoreCase) || (t.Task.JiraId?.Contains(w, StringComparison.OrdinalIgnoreCase) ?? false)))
            .OrderByDescending(t => t.Sequence)
            .Take(limit + 1)
            .ToList();
        var next = page.Count > limit ? page[limit - 1].Sequence.ToString(CultureInfo.InvariantCulture) : null;
        return new TaskPage(page.Take(limit).Select(t => t.Task).ToList(), next);
    }

    public async Task<int> Shuffle(Guid actorId)
    {
        var registry = GrainFactory.GetGrain<IUserRegistryGrain>(Singletons.Key);
        var actor = await registry.Get(actorId);
        if (actor is null || !Roles.CanShuffle(actor.Role)) throw new DomainException(DomainError.Forbidden, Roles.Allowed(Roles.Manager, Roles.Admin));
        var assignable = await registry.AssignableUserIds();
        if (assignable.Count == 0) throw new DomainException(DomainError.Conflict, "There is nobody to assign tasks to.");

        await CatchUpAsync();
        var shuffleId = Guid.CreateVersion7();
        var open = _tasks.Values.Where(t => t.Task.Status == TaskStatuses.Open).Select(t => t.Task.Id).ToList();
        var reassigned = 0;
        await Concurrently.ForEachAsync(open, ShuffleParallelism, async taskId =>
        {
            if (await GrainFactory.GetGrain<ITaskGrain>(taskId).Reassign(random.Pick(assignable), shuffleId)) reassigned++;
        });
        return reassigned;
    }

    private async Task CatchUpAsync()
    {
        while (true)
        {
            var events = await journal.ReadLogAsync(_position, 4096);
            foreach (var e in events)
            {
                _position = e.Position;
                if (e.StreamNamespace == "task") Apply(e);
            }
            if (events.Count < 4096) return;
        }
    }

    private void Apply(JournalEvent e)
    {
        switch (serializer.Deserialize(e))
        {
            case TaskCreated c:
                _tasks[c.TaskId] = new Entry(e.Position.Seq, new TaskDto(c.TaskId, c.Title, c.JiraId, c.Description, TaskStatuses.Open, Guid.Empty,
                    c.AssignFee, c.Reward, e.Metadata.OccurredAt, null));
                break;
            case TaskAssigned a when _tasks.TryGetValue(a.TaskId, out var entry):
                _tasks[a.TaskId] = entry with { Task = entry.Task with { AssigneeId = a.AssigneeId } };
                break;
            case TaskCompleted d when _tasks.TryGetValue(d.TaskId, out var entry):
                _tasks[d.TaskId] = entry with { Task = entry.Task with { Status = TaskStatuses.Done, CompletedAt = e.Metadata.OccurredAt } };
                break;
        }
    }

    private sealed record Entry(long Sequence, TaskDto Task);
}
