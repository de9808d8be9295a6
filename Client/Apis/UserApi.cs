using Ates.Grains.Interfaces;
using Ates.Client.Gateway;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
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
        app.MapGet("/api/people", ListPeopleAsync).RequireUser().WithTags("Users").WithName("ListPeople").WithSummary("List people")
            .WithDescription("Everyone who is not disabled, by name and role: how every screen puts names to ids.");

        var users = app.MapGroup("/api/users").WithTags("Users").RequireUser(Roles.Admin);
        users.MapGet("/", ListAsync).WithName("ListUsers").WithSummary("List users");
        users.MapPost("/", CreateAsync).WithName("CreateUser").WithSummary("Add a user")
            .WithDescription("Every wrong field is named in one answer.").Refuses(409, "The email is taken.");
        users.MapPut("/{id:guid}/role", ChangeRoleAsync).WithName("ChangeUserRole").WithSummary("Change a user's role")
            .WithDescription("Applies at once, to every session of theirs.").Refuses(404, "No such user.");
        users.MapPatch("/{id:guid}", EditAsync).WithName("EditUser").WithSummary("Edit a user's name or email")
            .Refuses(404, "No such user.").Refuses(409, "The email is taken.");
        // A one-time password for a user who forgot theirs: every session of theirs ends; they choose their own with /api/me/password.
        users.MapPost("/{id:guid}/password-reset", ResetPasswordAsync).WithName("ResetUserPassword").WithSummary("Reset a user's password")
            .WithDescription("Answers a one-time password, shown once; every session of theirs ends, and they choose their own with POST /api/me/password.")
            .Refuses(404, "No such user.");
        // A disabled user cannot sign in and loses every session at once; their open tasks stay until the next shuffle.
        users.MapPut("/{id:guid}/disabled", SetDisabledAsync).WithName("SetUserDisabled").WithSummary("Disable or enable a user")
            .WithDescription("A disabled user cannot sign in and loses every session at once; their open tasks stay until the next shuffle.")
            .Refuses(404, "No such user.").Refuses(409, "An admin cannot disable themselves.");
        return app;
    }

    private static async Task<Ok<IReadOnlyList<Person>>> ListPeopleAsync(People people) => TypedResults.Ok(await people.DirectoryAsync());

    private static async Task<Ok<IReadOnlyList<UserDto>>> ListAsync(IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IUserRegistryGrain>(Singletons.Key).List());

    private static async Task<Created<UserDto>> CreateAsync(NewUser body, IGrainFactory grains, IPasswordHasher<AtesUser> hasher)
    {
        // Every wrong field in one answer: the password here (only its hash goes further), the rest as the registry checks them.
        var errors = NewUserRules.Check(body.Email, body.Name, body.Role);
        if (body.Password is null || body.Password.Length < MinPassword) errors["password"] = [$"The password is at least {MinPassword} characters."];
        else if (body.Password.Length > AuthApi.MaxPassword) errors["password"] = [$"The password is at most {AuthApi.MaxPassword} characters."];
        if (errors.Count > 0) throw new DomainException(DomainError.Invalid, "The user is not valid: " + string.Join(", ", errors.Keys) + ".", errors);
        var user = await grains.GetGrain<IUserRegistryGrain>(Singletons.Key)
            .Register(body.Email ?? "", body.Name ?? "", body.Role ?? "", hasher.HashPassword(new AtesUser(), body.Password!));
        return TypedResults.Created($"/api/users/{user.Id}", user);
    }

    private static async Task<Ok<UserDto>> ChangeRoleAsync(Guid id, RoleChange body, IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IUserRegistryGrain>(Singletons.Key).ChangeRole(id, body.Role ?? ""));

    private static async Task<Ok<UserDto>> EditAsync(Guid id, UserEdit body, IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IUserRegistryGrain>(Singletons.Key).EditDetails(id, body.Name, body.Email));

    private static async Task<Ok<PasswordReset>> ResetPasswordAsync(Guid id, IGrainFactory grains, IPasswordHasher<AtesUser> hasher)
    {
        var password = RandomNumberGenerator.GetString(TemporaryPasswordLetters, 16);
        await grains.GetGrain<IUserRegistryGrain>(Singletons.Key).ChangePassword(id, hasher.HashPassword(new AtesUser(), password), keptSessionId: null);
        return TypedResults.Ok(new PasswordReset(password));
    }

    private static async Task<Ok<UserDto>> SetDisabledAsync(Guid id, DisabledChange body, HttpContext context, IGrainFactory grains) =>
        body.Disabled is { } disabled
            ? TypedResults.Ok(await grains.GetGrain<IUserRegistryGrain>(Singletons.Key).SetDisabled(context.Me().Id, id, disabled))
            : throw DomainException.Invalid("disabled", "disabled is required: true or false.");
}
