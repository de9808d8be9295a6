using Ates.Grains;
using Ates.Grains.Interfaces;
using Ates.Grains.Interfaces.Events;
using Ates.Journal;

namespace Ates.Bench;

/// <summary>
/// The domain's own events, written straight to a journal the way the grains write them (same contracts, same serializer,
/// same stream ids), for baselines and for preparing large data sets that a silo then accepts as its own.
/// </summary>
public static class BenchEvents
{
    public static readonly JsonEventSerializer Serializer = DomainEvents.Serializer();

    /// <summary>The registry's stream: grain type "users", key "default".</summary>
    public static readonly string UsersStream = StreamIds.For("users", Singletons.Key);

    /// <summary>A Guid-keyed grain's stream id, as the journal's log-consistency provider names it (grain type / grain key).</summary>
    public static string TaskStream(Guid taskId) => StreamIds.For("task", GrainKey(taskId));

    public static string AccountStream(Guid userId) => StreamIds.For("account", GrainKey(userId));

    /// <summary>How Orleans spells a Guid grain key in a <see cref="GrainId"/> (what the log-consistency provider puts in the stream id).</summary>
    public static string GrainKey(Guid key) => GrainIdKeyExtensions.CreateGuidKey(key).ToString();

    public static NewEvent New(object e, DateTimeOffset at, string? actor = null)
    {
        var (type, version, data) = Serializer.Serialize(e);
        return new NewEvent(Guid.CreateVersion7(at), type, version, data, new EventMetadata(at, null, null, null, actor));
    }

    /// <summary>What <c>ITaskGrain.Create</c> appends: task.created and task.assigned, prices drawn as rule 2 says.</summary>
    public static TaskCreationEvents TaskCreation(Guid createdBy, Guid assignee, DateTimeOffset at, string title = "Benchmark task",
        string? jiraId = "UBERPOP-1", string? description = null)
    {
        var taskId = Guid.CreateVersion7(at);
        var fee = (decimal)Random.Shared.Next(Pricing.MinAssignFee, Pricing.MaxAssignFee + 1);
        var reward = (decimal)Random.Shared.Next(Pricing.MinReward, Pricing.MaxReward + 1);
        var created = new TaskCreated(taskId, title, jiraId, description, fee, reward, createdBy);
        var assigned = new TaskAssigned(taskId, assignee, null, fee, AssignReasons.Created, null, title, jiraId);
        return new TaskCreationEvents(taskId, [New(created, at, createdBy.ToString()), New(assigned, at, createdBy.ToString())], created, assigned);
    }

    /// <summary>The fee entry billing records for an assignment (source: the task.assigned event's id).</summary>
    public static LedgerEntryRecorded FeeEntry(Guid accountId, decimal balanceBefore, TaskAssigned assigned, Guid assignedEventId, DateTimeOffset at) =>
        new(Guid.CreateVersion7(at), accountId, EntryKinds.AssignFee, -assigned.AssignFee, balanceBefore - assigned.AssignFee, assigned.TaskId,
            $"Assign fee: [{assigned.JiraId}] {assigned.Title}", assignedEventId.ToString(), at, null);

    public static LedgerEntryRecorded RewardEntry(Guid accountId, decimal balanceBefore, TaskCompleted completed, Guid completedEventId, DateTimeOffset at) =>
        new(Guid.CreateVersion7(at), accountId, EntryKinds.Reward, completed.Reward, balanceBefore + completed.Reward, completed.TaskId,
            $"Reward: [{completed.JiraId}] {completed.Title}", completedEventId.ToString(), at, null);

    public static LedgerEntryRecorded PayoutEntry(Guid accountId, decimal amount, DateOnly date, DateTimeOffset at) =>
        new(Guid.CreateVersion7(at), accountId, EntryKinds.Payout, -amount, 0, null, $"Payout for {BusinessCalendar.Key(date)}", $"payout:{BusinessCalendar.Key(date)}", at, date);
}

public sealed record TaskCreationEvents(Guid TaskId, NewEvent[] Events, TaskCreated Created, TaskAssigned Assigned)
{
    public void Deconstruct(out Guid taskId, out NewEvent[] events, out TaskAssigned assigned)
    {
        taskId = TaskId;
        events = Events;
        assigned = Assigned;
    }
}
