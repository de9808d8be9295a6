using System.Text.RegularExpressions;

namespace Ates.Grains.Interfaces.Events;

/// <summary>task.created v1 → v2: "[UBERPOP-42] - Change the shade of green" becomes jiraId "UBERPOP-42" and title "Change the shade of green".</summary>
public static partial class TaskCreatedUpcaster
{
    public static TaskCreated Upcast(TaskCreatedV1 v1)
    {
        var match = JiraPrefix().Match(v1.Title);
        return match.Success
            ? new TaskCreated(v1.TaskId, match.Groups["title"].Value.Trim(), match.Groups["jira"].Value, v1.Description, v1.AssignFee, v1.Reward, v1.CreatedBy)
            : new TaskCreated(v1.TaskId, v1.Title.Trim(), null, v1.Description, v1.AssignFee, v1.Reward, v1.CreatedBy);
    }

    [GeneratedRegex(@"^\s*\[(?<jira>[^\]]+)\]\s*(?:-\s*)?(?<title>.*)$", RegexOptions.Singleline)]
    private static partial Regex JiraPrefix();
}
