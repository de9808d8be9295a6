using System.Text.Json;
using Ates.Grains.Interfaces;
using Ates.Grains.Interfaces.Events;
using Ates.Journal;
using Orleans.Runtime;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Ates.Grains;

/// <summary>
/// Keeps the task board's rows (<see cref="TaskBoardRows"/>) from one journal partition's task events, which the board
/// subscription hands it in journal order: each delivery reads the rows of its tasks, folds the events in, and writes
/// the changed rows with the partition's progress at once. A row remembers the task's stream version it shows, so a
/// delivery that comes again changes nothing. It keeps no state: a failure (the database down) throws, and the
/// subscription delivers the same events again until they pass.
/// </summary>
[GrainType("taskboardwriter")]
[ImplicitStreamSubscription(DomainSubscriptions.BoardWriters)]
public sealed class TaskBoardWriterGrain(IReadModelStore rows, IEventSerializer serializer) : Grain, IStreamSubscriptionObserver, ITaskBoardWriterGrain
{
    private int Partition => JournalPartitions.Split(StreamId.Create(DomainSubscriptions.BoardWriters, this.GetPrimaryKeyString())).Partition
        ?? throw new InvalidOperationException($"A board writer's key names its partition ('board#N'), not '{this.GetPrimaryKeyString()}'.");

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        await handleFactory.Create<JournalEvent>().ResumeAsync(new Writer(this));

    public async Task<string?> RetryAsync(string subscription, StreamId target, JournalEvent journalEvent)
    {
        await WriteAsync([journalEvent]);
        return null;
    }

    private async Task WriteAsync(IReadOnlyList<JournalEvent> events)
    {
        var decoded = events.Select(e => (Event: e, Data: serializer.Deserialize(e))).ToList();
        var keys = decoded.Select(d => TaskIdOf(d.Data)).OfType<Guid>().Distinct().Select(TaskBoardRows.Key).ToList();
        var current = (await rows.GetAsync(TaskBoardRows.Model, keys)).ToDictionary(r => r.Key);
        var changed = new Dictionary<string, ReadRow>();
        foreach (var (e, data) in decoded)
        {
            if (TaskIdOf(data) is not { } taskId) continue;
            var key = TaskBoardRows.Key(taskId);
            var row = changed.GetValueOrDefault(key) ?? current.GetValueOrDefault(key);
            if (row is not null && row.Version >= e.StreamVersion) continue; // on the board already
            var task = data switch
            {
                TaskCreated c => new TaskDto(c.TaskId, c.Title, c.JiraId, c.Description, TaskStatuses.Open, Guid.Empty, c.AssignFee, c.Reward, e.Metadata.OccurredAt, null),
                TaskAssigned a when row is not null => TaskBoardRows.Task(row) with { AssigneeId = a.AssigneeId },
                TaskCompleted when row is not null => TaskBoardRows.Task(row) with { Status = TaskStatuses.Done, CompletedAt = e.Metadata.OccurredAt },
                _ => null, // a task whose creation is not on the board (parked as a dead letter): nothing to show it with
            };
            if (task is null) continue;
            changed[key] = TaskBoardRows.Row(task, e.StreamVersion, row?.Seq ?? e.Position.Seq);
        }
        var through = events[^1].Position;
        await rows.ApplyAsync(TaskBoardRows.Model, Partition, [.. changed.Values], through);
        GrainFactory.GetGrain<ITaskBoardGrain>(Singletons.Key).Applied(Partition, through).Ignore();
    }

    private static Guid? TaskIdOf(object data) => data switch
    {
        TaskCreated c => c.TaskId,
        TaskAssigned a => a.TaskId,
        TaskCompleted d => d.TaskId,
        _ => null,
    };

    private sealed class Writer(TaskBoardWriterGrain grain) : IAsyncBatchObserver<JournalEvent>
    {
        public Task OnNextAsync(IList<SequentialItem<JournalEvent>> items) => grain.WriteAsync(items.Select(i => i.Item).ToList());

        public Task OnCompletedAsync() => Task.CompletedTask;

        public Task OnErrorAsync(Exception ex) => Task.CompletedTask;
    }
}

/// <summary>The task board as rows of a read model: what the board filters, searches and sorts on, and the task itself.</summary>
public static class TaskBoardRows
{
    public const string Model = "task-board";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string Key(Guid taskId) => taskId.ToString("N");

    /// <param name="seq">The journal position of the task's creation: newest first, and the paging cursor.</param>
    public static ReadRow Row(TaskDto task, long version, long seq) =>
        new(Model, Key(task.Id), version, seq, task.AssigneeId == Guid.Empty ? null : task.AssigneeId.ToString("N"), task.Status,
            SearchText(task.Title, task.JiraId), JsonSerializer.SerializeToUtf8Bytes(task, Json), task.AssignFee, task.Reward);

    public static TaskDto Task(ReadRow row) => JsonSerializer.Deserialize<TaskDto>(row.Data, Json)!;

    /// <summary>What a search looks in: the title and the Jira id, in lower case (searches are in any case).</summary>
    public static string SearchText(string title, string? jiraId) => $"{title}\n{jiraId}".ToLowerInvariant();
}
