using Ates.Grains.Interfaces;
using Ates.Client.Gateway;
using Microsoft.AspNetCore.Identity;

namespace Ates.Client.Apis;

public sealed record NewUser(string? Email, string? Name, string? Role, string? Password);

public sealed record RoleChange(string? Role);

public static class UserApi
{
    public const int MinPassword = 8;

    public static IEndpointRouteBuilder MapUserApi(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/api/users").WithTags("Users").RequireUser(Roles.Admin);
        users.MapGet("/", (IGrainFactory grains) => grains.GetGrain<IUserRegistryGrain>(Singletons.Key).List());

        users.MapPost("/", async (NewUser body, IGrainFactory grains, IPasswordHasher<AtesUser> hasher) =>
        {
            if (body.Password is null || body.Password.Length < MinPassword)
                throw DomainException.Invalid("password", $"The password is at least {MinPassword} characters.");
            var user = await grains.GetGrain<IUserRegistryGrain>(Singletons.Key)
                .Register(body.Email ?? "", body.Name ?? "", body.Role ?? "", hasher.HashPassword(new AtesUser(), body.Password));
            return Results.Created($"/api/users/{user.Id}", user);
        });

        users.MapPut("/{id:guid}/role", (Guid id, RoleChange body, IGrainFactory grains) =>
            grains.GetGrain<IUserRegistryGrain>(Singletons.Key).ChangeRole(id, body.Role ?? ""));
        return app;
    }
}
