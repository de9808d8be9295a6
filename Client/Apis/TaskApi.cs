using Ates.Grains.Interfaces;
using Ates.Client.Gateway;

namespace Ates.Client.Apis;

public sealed record Shuffled(int Reassigned);

public static class TaskApi
{
    public static IEndpointRouteBuilder MapTaskApi(this IEndpointRouteBuilder app)
    {
        var tasks = app.MapGroup("/api/tasks").WithTags("Tasks").RequireUser();

        tasks.MapPost("/", async (NewTask body, HttpContext context, IGrainFactory grains) =>
        {
            var task = await grains.GetGrain<ITaskGrain>(Guid.CreateVersion7()).Create(body, context.Me().Id);
            return Results.Created($"/api/tasks/{task.Id}", task);
        });

        tasks.MapGet("/", (string? assignee, string? status, int? limit, string? after, HttpContext context, IGrainFactory grains) =>
        {
            Guid? assigneeId = assignee switch
            {
                null or "" => null,
                "me" => context.Me().Id,
                _ when Guid.TryParse(assignee, out var id) => id,
                _ => throw DomainException.Invalid("assignee", "The assignee is \"me\" or a user id."),
            };
            return grains.GetGrain<ITaskBoardGrain>(Singletons.Key).List(assigneeId, status, limit ?? 50, after);
        });

        tasks.MapGet("/{id:guid}", async (Guid id, IGrainFactory grains) =>
            await grains.GetGrain<ITaskGrain>(id).Get() is { } task ? Results.Ok(task) : Errors.Problem(404, "No such task."));

        tasks.MapPost("/{id:guid}/complete", (Guid id, HttpContext context, IGrainFactory grains) =>
            grains.GetGrain<ITaskGrain>(id).Complete(context.Me().Id));

        tasks.MapPost("/shuffle", async (HttpContext context, IGrainFactory grains) =>
            new Shuffled(await grains.GetGrain<ITaskBoardGrain>(Singletons.Key).Shuffle(context.Me().Id)))
            .RequireUser(Roles.Manager, Roles.Admin);
        return app;
    }
}
