using Ates.Grains.EventSourcing;
using Ates.Grains.Interfaces;
using Ates.Grains.Interfaces.Events;
using Ates.Journal;
using Microsoft.Extensions.DependencyInjection;

namespace Ates.Grains;

public sealed class TaskState
{
    public bool Exists { get; set; }
    public string Title { get; set; } = "";
    public string? JiraId { get; set; }
    public string? Description { get; set; }
    public string Status { get; set; } = TaskStatuses.Open;
    public Guid AssigneeId { get; set; }
    public decimal AssignFee { get; set; }
    public decimal Reward { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public Guid CreatedBy { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public Guid? LastShuffleId { get; set; }
}

/// <summary>A task: rules 1, 2, 4 (per task) and 5. Billing hears of it only through the task events.</summary>
[GrainType("task")]
public sealed class TaskGrain(RandomSource random, UserDirectory users) : EventSourcedGrain<TaskState, object>, ITaskGrain
{
    // Most activations of a task are its creation, whose stream is empty: reading it first would be a wasted round
    // trip per task. A creation appends at version 0 (refused, and decided again on the stream, if it exists after
    // all); every other call reads the stream first.
    protected override bool ReadsStreamOnActivation => false;

    protected override void TransitionState(TaskState state, object e)
    {
        switch (e)
        {
            case TaskCreated c:
                state.Exists = true;
                state.Title = c.Title;
                state.JiraId = c.JiraId;
                state.Description = c.Description;
                state.AssignFee = c.AssignFee;
                state.Reward = c.Reward;
                state.CreatedAt = Applying.OccurredAt;
                state.CreatedBy = c.CreatedBy;
                break;
            case TaskAssigned a:
                state.AssigneeId = a.AssigneeId;
                state.LastShuffleId = a.ShuffleId ?? state.LastShuffleId;
                break;
            case TaskCompleted:
                state.Status = TaskStatuses.Done;
                state.CompletedAt = Applying.OccurredAt;
                break;
        }
    }

    public async Task<TaskDto> Create(NewTask task, Guid createdBy)
    {
        var (title, jiraId, description) = TaskRules.Validate(task);
        if (State.Exists) return Repeated(title, jiraId, description, createdBy);
        var assignable = await users.AssignableAsync();
        if (assignable.Count == 0) throw new DomainException(DomainError.Conflict, "There is nobody to assign the task to: every user is an admin or a manager.");

        var taskId = this.GetPrimaryKey();
        var assignee = random.Pick(assignable);
        var fee = Pricing.DrawAssignFee(random);
        var reward = Pricing.DrawReward(random);
        var created = await Decide(() =>
        {
            if (State.Exists) return false;
            Raise(new TaskCreated(taskId, title, jiraId, description, fee, reward, createdBy));
            Raise(new TaskAssigned(taskId, assignee, null, fee, AssignReasons.Created, null, title, jiraId));
            return true;
        });
        if (!created) return Repeated(title, jiraId, description, createdBy);
        // Nobody asks a new task anything for a while (its worker completes it later; the board lists it from the
        // journal): its activation goes now rather than holding its memory for the collection age.
        this.DeactivateOnIdle();
        return ToDto();
    }

    /// <summary>
    /// A creation of a task that exists: the retry of the request that created it (same user, same fields; its id came
    /// from the same Idempotency-Key) answers with the task, created once and charged once; anything else is refused.
    /// </summary>
    private TaskDto Repeated(string title, string? jiraId, string? description, Guid createdBy)
    {
        if (State.CreatedBy == createdBy && State.Title == title && State.JiraId == jiraId && State.Description == description) return ToDto();
        throw new DomainException(DomainError.Mismatch,
            State.CreatedBy == createdBy
                ? $"This Idempotency-Key already created the task \"{State.Title}\" with other details; a retry sends the same request, a new task a new key."
                : "This task already exists.");
    }

    public async Task<TaskDto?> Get()
    {
        // A shuffle appends to task streams itself: what this activation holds may be a reassignment behind.
        await CaughtUpAsync();
        return State.Exists ? ToDto() : null;
    }

    public async Task<IReadOnlyList<TaskStepDto>> History()
    {
        await JournalLog.EnsureLoadedAsync();
        if (!State.Exists) return [];
        var serializer = ServiceProvider.GetRequiredService<IEventSerializer>();
        var steps = new List<TaskStepDto>();
        // Creation and the first assignment are one decision; the created step names whom the task went to.
        foreach (var e in await JournalLog.ReadConfirmedAsync(0, int.MaxValue))
        {
            var at = e.Metadata.OccurredAt;
            switch (serializer.Deserialize(e))
            {
                case TaskCreated:
                    steps.Add(new TaskStepDto(at, "created", Guid.Empty, null, null));
                    break;
                case TaskAssigned a:
                    if (steps is [.., { Kind: "created", AssigneeId: var none } created] && none == Guid.Empty) steps[^1] = created with { AssigneeId = a.AssigneeId };
                    steps.Add(new TaskStepDto(at, "assigned", a.AssigneeId, a.AssignFee, null));
                    break;
                case TaskCompleted c:
                    steps.Add(new TaskStepDto(at, "completed", c.AssigneeId, null, c.Reward));
                    break;
            }
        }
        return steps;
    }

    public async Task<TaskDto> Complete(Guid actorId)
    {
        await JournalLog.EnsureLoadedAsync();
        await DecideOnLatest(() =>
        {
            if (!State.Exists) throw new DomainException(DomainError.NotFound, "No such task.");
            if (State.AssigneeId != actorId) throw new DomainException(DomainError.Forbidden, "Only the task's assignee may complete it.");
            if (State.Status == TaskStatuses.Done) throw new DomainException(DomainError.Conflict, "The task is already done.");
            Raise(new TaskCompleted(this.GetPrimaryKey(), State.AssigneeId, State.Reward, State.Title, State.JiraId));
            return true;
        });
        return ToDto();
    }

    public async Task<bool> Reassign(Guid assigneeId, Guid shuffleId)
    {
        await JournalLog.EnsureLoadedAsync();
        return await Decide(() =>
        {
            if (!State.Exists || State.Status != TaskStatuses.Open || State.LastShuffleId == shuffleId) return false;
            Raise(new TaskAssigned(this.GetPrimaryKey(), assigneeId, State.AssigneeId, State.AssignFee, AssignReasons.Shuffle, shuffleId, State.Title, State.JiraId));
            return true;
        });
    }

    private TaskDto ToDto() => new(this.GetPrimaryKey(), State.Title, State.JiraId, State.Description, State.Status, State.AssigneeId,
        State.AssignFee, State.Reward, State.CreatedAt, State.CompletedAt);
}
