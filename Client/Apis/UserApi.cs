using Ates.Grains.Interfaces;
using Ates.Client.Gateway;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;

namespace Ates.Client.Apis;

public sealed record NewUser(string? Email, string? Name, string? Role, string? Password);

public sealed record RoleChange(string? Role);

public sealed record DisabledChange(bool? Disabled);

public sealed record UserEdit(string? Name, string? Email);

public static class UserApi
{
    public const int MinPassword = AuthApi.MinPassword;

    /// <summary>Letters and digits a person cannot mistake for one another when reading one aloud (no 0/O, 1/l/I).</summary>
    private const string TemporaryPasswordLetters = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    public static IEndpointRouteBuilder MapUserApi(this IEndpointRouteBuilder app)
    {
        // The directory every screen uses to put names to ids; anyone signed in may read it.
        app.MapGet("/api/people", (People people) => people.DirectoryAsync()).RequireUser().WithTags("Users");

        var users = app.MapGroup("/api/users").WithTags("Users").RequireUser(Roles.Admin);
        users.MapGet("/", (IGrainFactory grains) => grains.GetGrain<IUserRegistryGrain>(Singletons.Key).List());

        users.MapPost("/", async (NewUser body, IGrainFactory grains, IPasswordHasher<AtesUser> hasher) =>
        {
            // Every wrong field in one answer: the password here (only its hash goes further), the rest as the registry checks them.
            var errors = NewUserRules.Check(body.Email, body.Name, body.Role);
            if (body.Password is null || body.Password.Length < MinPassword) errors["password"] = [$"The password is at least {MinPassword} characters."];
            else if (body.Password.Length > AuthApi.MaxPassword) errors["password"] = [$"The password is at most {AuthApi.MaxPassword} characters."];
            if (errors.Count > 0) throw new DomainException(DomainError.Invalid, "The user is not valid: " + string.Join(", ", errors.Keys) + ".", errors);
            var user = await grains.GetGrain<IUserRegistryGrain>(Singletons.Key)
                .Register(body.Email ?? "", body.Name ?? "", body.Role ?? "", hasher.HashPassword(new AtesUser(), body.Password!));
            return Results.Created($"/api/users/{user.Id}", user);
        }).Produces<UserDto>(201).ProducesValidationProblem().ProducesProblem(409);

        users.MapPut("/{id:guid}/role", (Guid id, RoleChange body, IGrainFactory grains) =>
            grains.GetGrain<IUserRegistryGrain>(Singletons.Key).ChangeRole(id, body.Role ?? ""))
            .Produces<UserDto>().ProducesValidationProblem().ProducesProblem(404);

        users.MapPatch("/{id:guid}", (Guid id, UserEdit body, IGrainFactory grains) =>
            grains.GetGrain<IUserRegistryGrain>(Singletons.Key).EditDetails(id, body.Name, body.Email))
            .Produces<UserDto>().ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409);

        // A one-time password for a user who forgot theirs: every session of theirs ends; they choose their own with /api/me/password.
        users.MapPost("/{id:guid}/password-reset", async (Guid id, IGrainFactory grains, IPasswordHasher<AtesUser> hasher) =>
        {
            var password = RandomNumberGenerator.GetString(TemporaryPasswordLetters, 16);
            await grains.GetGrain<IUserRegistryGrain>(Singletons.Key).ChangePassword(id, hasher.HashPassword(new AtesUser(), password), keptSessionId: null);
            return new PasswordReset(password);
        }).Produces<PasswordReset>().ProducesProblem(404);

        // A disabled user cannot sign in and loses every session at once; their open tasks stay until the next shuffle.
        users.MapPut("/{id:guid}/disabled", (Guid id, DisabledChange body, HttpContext context, IGrainFactory grains) =>
            body.Disabled is { } disabled
                ? grains.GetGrain<IUserRegistryGrain>(Singletons.Key).SetDisabled(context.Me().Id, id, disabled)
                : throw DomainException.Invalid("disabled", "disabled is required: true or false."))
            .Produces<UserDto>().ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409);
        return app;
    }
}
