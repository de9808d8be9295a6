using Ates.Grains.Interfaces;
using Ates.Client.Gateway;

namespace Ates.Client.Apis;

public sealed record Shuffled(int Reassigned);

public static class TaskApi
{
    public static IEndpointRouteBuilder MapTaskApi(this IEndpointRouteBuilder app)
    {
        var tasks = app.MapGroup("/api/tasks").WithTags("Tasks").RequireUser();

        // With an Idempotency-Key, the key names the task: a retry finds the task the first request created (IdempotencyKeys).
        tasks.MapPost("/", async (NewTask body, HttpContext context, IGrainFactory grains, People people) =>
        {
            var me = context.Me().Id;
            // Present but empty is a mistake to report, not a request without a key.
            var id = context.Request.Headers.TryGetValue(IdempotencyKeys.Header, out var key)
                ? IdempotencyKeys.TaskId(me, IdempotencyKeys.Validate(key.Count == 1 ? key[0] : null))
                : Guid.CreateVersion7();
            var task = await grains.GetGrain<ITaskGrain>(id).Create(body, me);
            return Results.Created($"/api/tasks/{task.Id}", TaskView.Of(task, await people.AllAsync(task.AssigneeId)));
        }).Produces<TaskView>(201).ProducesValidationProblem().ProducesProblem(409).ProducesProblem(422);

        // A long, so that a number too big for the board is still answered with the board's range, not "not a number".
        tasks.MapGet("/", async (string? assignee, string? status, string? q, string? sort, long? limit, string? after, HttpContext context, IGrainFactory grains, People people) =>
        {
            if (limit is < 1 or > 500) throw DomainException.Invalid("limit", "The limit is between 1 and 500.");
            Guid? assigneeId = assignee switch
            {
                null or "" => null,
                "me" => context.Me().Id,
                _ when Guid.TryParse(assignee, out var id) => id,
                _ => throw DomainException.Invalid("assignee", "The assignee is \"me\" or a user id."),
            };
            var page = await grains.GetGrain<ITaskBoardGrain>(Singletons.Key).List(assigneeId, status, q, (int)(limit ?? 50), after, sort);
            var all = await people.AllAsync(page.Items.Select(t => t.AssigneeId));
            return new TaskPageView(page.Items.Select(t => TaskView.Of(t, all)).ToList(), page.Next, page.Total);
        }).Produces<TaskPageView>().ProducesValidationProblem();

        tasks.MapGet("/{id:guid}", async (Guid id, IGrainFactory grains, People people) =>
            await grains.GetGrain<ITaskGrain>(id).Get() is { } task ? Results.Ok(TaskView.Of(task, await people.AllAsync(task.AssigneeId))) : NoSuchTask())
            .Produces<TaskView>().ProducesProblem(404);

        tasks.MapGet("/{id:guid}/history", async (Guid id, IGrainFactory grains, People people) =>
        {
            var steps = await grains.GetGrain<ITaskGrain>(id).History();
            if (steps.Count == 0) return NoSuchTask();
            var all = await people.AllAsync(steps.Select(s => s.AssigneeId));
            return Results.Ok(steps.Select(s => new TaskStep(s.At, s.Kind, s.AssigneeId, People.NameOf(all, s.AssigneeId), s.Fee, s.Reward)).ToList());
        }).Produces<List<TaskStep>>().ProducesProblem(404);

        tasks.MapPost("/{id:guid}/complete", async (Guid id, HttpContext context, IGrainFactory grains, People people) =>
        {
            var task = await grains.GetGrain<ITaskGrain>(id).Complete(context.Me().Id);
            return TaskView.Of(task, await people.AllAsync(task.AssigneeId));
        })
            .Produces<TaskView>().ProducesProblem(403).ProducesProblem(404).ProducesProblem(409);

        tasks.MapPost("/shuffle", async (HttpContext context, IGrainFactory grains) =>
            new Shuffled(await grains.GetGrain<ITaskBoardGrain>(Singletons.Key).Shuffle(context.Me().Id)))
            .RequireUser(Roles.Manager, Roles.Admin).Produces<Shuffled>().ProducesProblem(403);
        return app;
    }

    private static IResult NoSuchTask() => Errors.Problem(404, "No such task.");
}
