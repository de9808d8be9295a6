using System.Net.Mail;

namespace Ates.Grains.Interfaces;

/// <summary>What a new user's fields must be; every wrong field is named, in one answer.</summary>
public static class NewUserRules
{
    public static Dictionary<string, string[]> Check(string? email, string? name, string? role)
    {
        var errors = new Dictionary<string, string[]>();
        email = email?.Trim() ?? "";
        if (!MailAddress.TryCreate(email, out var parsed) || parsed.Address != email) errors["email"] = ["A valid email address is required."];
        if (string.IsNullOrWhiteSpace(name)) errors["name"] = ["The name is required."];
        else if (name.Trim().Length > 100) errors["name"] = ["The name is at most 100 characters."];
        if (!Roles.IsKnown(role ?? "")) errors["role"] = [$"The role is one of {string.Join(", ", Roles.All)}."];
        return errors;
    }
}
