using Ates.Grains.Interfaces;
using Ates.Client.Gateway;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Ates.Client.Apis;

public sealed record Shuffled(int Reassigned);

/// <summary>GET /api/tasks's query: who, which, what text, in what order, how many, from where.</summary>
/// <param name="Limit">A long, so that a number too big for the board is still answered with the board's range, not "not a number".</param>
public sealed record TaskQuery(
    [FromQuery(Name = "assignee")] string? Assignee,
    [FromQuery(Name = "status")] string? Status,
    [FromQuery(Name = "q")] string? Q,
    [FromQuery(Name = "sort")] string? Sort,
    [FromQuery(Name = "limit")] long? Limit,
    [FromQuery(Name = "after")] string? After);

public static class TaskApi
{
    public static IEndpointRouteBuilder MapTaskApi(this IEndpointRouteBuilder app)
    {
        var tasks = app.MapGroup("/api/tasks").WithTags("Tasks").RequireUser();
        tasks.MapPost("/", CreateAsync).WithName("CreateTask").WithSummary("Create a task")
            .WithDescription("Assigned at once to a random worker, with its fee charged. With an Idempotency-Key, a retry answers with the task the first request created.")
            .Refuses(409, "There is nobody to assign the task to.")
            .Refuses(422, "This Idempotency-Key already created a different task.");
        tasks.MapGet("/", ListAsync).WithName("ListTasks").WithSummary("List tasks")
            .WithDescription("A page of the board, newest first unless sorted by fee or reward; next is the cursor of the following page, total counts every match.");
        tasks.MapGet("/{id:guid}", GetAsync).WithName("GetTask").WithSummary("Get a task").Refuses(404, "No such task.");
        tasks.MapGet("/{id:guid}/history", HistoryAsync).WithName("GetTaskHistory").WithSummary("Get a task's history")
            .WithDescription("Created, each assignment with the fee charged, completed with the reward.").Refuses(404, "No such task.");
        tasks.MapPost("/{id:guid}/complete", CompleteAsync).WithName("CompleteTask").WithSummary("Complete a task")
            .Refuses(403, "Only the task's assignee may complete it.").Refuses(404, "No such task.").Refuses(409, "The task is already done.");
        tasks.MapPost("/shuffle", ShuffleAsync).RequireUser(Roles.Manager, Roles.Admin).WithName("ShuffleTasks").WithSummary("Reassign every open task")
            .Refuses(409, "There is nobody to assign tasks to.");
        return app;
    }

    /// <remarks>With an Idempotency-Key, the key names the task: a retry finds the task the first request created (IdempotencyKeys).</remarks>
    private static async Task<Created<TaskView>> CreateAsync(NewTask body, [FromHeader(Name = IdempotencyKeys.Header)] string? idempotencyKey,
        HttpContext context, IGrainFactory grains, People people)
    {
        var me = context.Me().Id;
        // Present but empty (or repeated) is a mistake to report, not a request without a key.
        var id = context.Request.Headers.TryGetValue(IdempotencyKeys.Header, out var sent)
            ? IdempotencyKeys.TaskId(me, IdempotencyKeys.Validate(sent.Count == 1 ? idempotencyKey : null))
            : Guid.CreateVersion7();
        var task = await grains.GetGrain<ITaskGrain>(id).Create(body, me);
        return TypedResults.Created($"/api/tasks/{task.Id}", TaskView.Of(task, await people.AllAsync(task.AssigneeId)));
    }

    private static async Task<Ok<TaskPageView>> ListAsync([AsParameters] TaskQuery query, HttpContext context, IGrainFactory grains, People people)
    {
        if (query.Limit is < 1 or > 500) throw DomainException.Invalid("limit", "The limit is between 1 and 500.");
        Guid? assigneeId = query.Assignee switch
        {
            null or "" => null,
            "me" => context.Me().Id,
            _ when Guid.TryParse(query.Assignee, out var id) => id,
            _ => throw DomainException.Invalid("assignee", "The assignee is \"me\" or a user id."),
        };
        var page = await grains.GetGrain<ITaskBoardGrain>(Singletons.Key).List(assigneeId, query.Status, query.Q, (int)(query.Limit ?? 50), query.After, query.Sort);
        var all = await people.AllAsync(page.Items.Select(t => t.AssigneeId));
        return TypedResults.Ok(new TaskPageView(page.Items.Select(t => TaskView.Of(t, all)).ToList(), page.Next, page.Total));
    }

    private static async Task<Results<Ok<TaskView>, ProblemHttpResult>> GetAsync(Guid id, IGrainFactory grains, People people) =>
        await grains.GetGrain<ITaskGrain>(id).Get() is { } task ? TypedResults.Ok(TaskView.Of(task, await people.AllAsync(task.AssigneeId))) : NoSuchTask();

    private static async Task<Results<Ok<List<TaskStep>>, ProblemHttpResult>> HistoryAsync(Guid id, IGrainFactory grains, People people)
    {
        var steps = await grains.GetGrain<ITaskGrain>(id).History();
        if (steps.Count == 0) return NoSuchTask();
        var all = await people.AllAsync(steps.Select(s => s.AssigneeId));
        return TypedResults.Ok(steps.Select(s => new TaskStep(s.At, s.Kind, s.AssigneeId, People.NameOf(all, s.AssigneeId), s.Fee, s.Reward)).ToList());
    }

    private static async Task<Ok<TaskView>> CompleteAsync(Guid id, HttpContext context, IGrainFactory grains, People people)
    {
        var task = await grains.GetGrain<ITaskGrain>(id).Complete(context.Me().Id);
        return TypedResults.Ok(TaskView.Of(task, await people.AllAsync(task.AssigneeId)));
    }

    private static async Task<Ok<Shuffled>> ShuffleAsync(HttpContext context, IGrainFactory grains) =>
        TypedResults.Ok(new Shuffled(await grains.GetGrain<ITaskBoardGrain>(Singletons.Key).Shuffle(context.Me().Id)));

    private static ProblemHttpResult NoSuchTask() => Errors.Refuse(404, "No such task.");
}
