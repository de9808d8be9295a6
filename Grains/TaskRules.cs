using System.Text.RegularExpressions;
using Ates.Grains.Interfaces;

namespace Ates.Grains;

/// <summary>Rule 1: what a new task must look like. Returns the cleaned fields or throws 400-kind errors naming each field.</summary>
public static partial class TaskRules
{
    public const int MaxTitle = 200;
    public const int MaxDescription = 4000;

    public static (string Title, string? JiraId, string? Description) Validate(NewTask task)
    {
        var errors = new Dictionary<string, string[]>();
        var title = task.Title?.Trim() ?? "";
        if (title.Length == 0) errors["title"] = ["The title is required."];
        else if (!TextRules.IsVisible(title)) errors["title"] = ["The title has no visible characters (only spaces or invisible ones such as zero-width spaces)."];
        else if (title.Length > MaxTitle) errors["title"] = [$"The title is at most {MaxTitle} characters."];
        else if (title.Contains('[') || title.Contains(']')) errors["title"] = ["The title may not contain '[' or ']'; put the Jira id in jiraId."];

        var jiraId = string.IsNullOrWhiteSpace(task.JiraId) ? null : task.JiraId.Trim();
        if (jiraId is not null && !JiraIdFormat().IsMatch(jiraId)) errors["jiraId"] = ["The Jira id looks like UBERPOP-42."];

        var description = string.IsNullOrWhiteSpace(task.Description) ? null : task.Description.Trim();
        if (description is { Length: > MaxDescription }) errors["description"] = [$"The description is at most {MaxDescription} characters."];

        if (errors.Count > 0) throw new DomainException(DomainError.Invalid, "The task is not valid.", errors);
        return (title, jiraId, description);
    }

    [GeneratedRegex(@"^[A-Z][A-Z0-9]{0,19}-[0-9]{1,9}$")]
    private static partial Regex JiraIdFormat();
}
