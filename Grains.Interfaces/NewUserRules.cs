using System.Net.Mail;

namespace Ates.Grains.Interfaces;

/// <summary>What a new user's fields must be; every wrong field is named, in one answer.</summary>
public static class NewUserRules
{
    public const int MaxName = 100;

    public static Dictionary<string, string[]> Check(string? email, string? name, string? role)
    {
        var errors = CheckDetails(email ?? "", name ?? "");
        if (!Roles.IsKnown(role ?? "")) errors["role"] = [$"The role is one of {string.Join(", ", Roles.All)}."];
        return errors;
    }

    /// <summary>A user's email and name, new or edited (null: the field is not being changed).</summary>
    public static Dictionary<string, string[]> CheckDetails(string? email, string? name)
    {
        var errors = new Dictionary<string, string[]>();
        if (email is not null)
        {
            email = email.Trim();
            if (!MailAddress.TryCreate(email, out var parsed) || parsed.Address != email) errors["email"] = ["A valid email address is required."];
        }
        if (name is not null)
        {
            if (!TextRules.IsVisible(name)) errors["name"] = ["The name is required."];
            else if (name.Trim().Length > MaxName) errors["name"] = [$"The name is at most {MaxName} characters."];
        }
        return errors;
    }
}
