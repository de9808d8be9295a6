namespace Ates.Grains.Interfaces;

public static class Roles
{
    public const string Admin = "admin";
    public const string Manager = "manager";
    public const string Accountant = "accountant";
    public const string Worker = "worker";

    public static readonly IReadOnlyList<string> All = [Admin, Manager, Accountant, Worker];

    public static bool IsKnown(string? role) => role is not null && All.Contains(role);

    /// <summary>Rule: every role except admin and manager can be given tasks.</summary>
    public static bool IsAssignable(string role) => role is not (Admin or Manager);

    public static bool CanShuffle(string role) => role is Admin or Manager;

    public static bool CanSeeAllAccounts(string role) => role is Admin or Accountant;

    /// <summary>The detail of every 403: which roles may do it.</summary>
    public static string Allowed(params string[] roles) => roles.Length == 1
        ? $"Only the {roles[0]} role may do this."
        : $"Only these roles may do this: {string.Join(", ", roles)}.";
}
