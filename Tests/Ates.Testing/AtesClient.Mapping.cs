using System.Runtime.CompilerServices;
using Ates.Grains.Interfaces;
using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Serialization;
using Sdk = Ates.Client.Sdk.Models;

namespace Ates.Testing;

/// <summary>
/// The generated models as the domain's DTOs the callers compare. Every field the DTO needs is read by name from the
/// generated model, so a field renamed or dropped in the document fails the build here; a field the gateway leaves out
/// of an answer fails the call, in words.
/// </summary>
public sealed partial class AtesClient
{
    private static SignedIn ToSignedIn(Sdk.Me me) => new(Has(me.Id), Has(me.Email), Has(me.Name), Has(me.Role));

    private static TaskDto ToTask(Sdk.TaskView task) =>
        new(Has(task.Id), Has(task.Title), task.JiraId, task.Description, Has(task.Status), Has(task.AssigneeId), Has(task.AssignFee),
            Has(task.Reward), Has(task.CreatedAt), task.CompletedAt);

    private static TaskPage ToPage(Sdk.TaskPageView page) => new(Has(page.Items).Select(ToTask).ToList(), page.Next, Has(page.Total));

    private static AccountDto ToAccount(Sdk.AccountView account) => new(Has(account.UserId), Has(account.Balance), Has(account.EarnedToday));

    private static EntryDto ToEntry(Sdk.EntryDto entry) =>
        new(Has(entry.Id), Has(entry.At), Has(entry.Kind), Has(entry.Amount), Has(entry.BalanceAfter), entry.TaskId, Has(entry.Description));

    private static DayDto ToDay(Sdk.DayDto day) =>
        new(Has(day.Date), Has(day.AssignFees), Has(day.Rewards), Has(day.ManagementEarnings), Has(day.Payouts), Has(day.Closed));

    private static CloseDayResult ToClosed(Sdk.CloseDayResult closed) => new(Has(closed.Date), Has(closed.PaidOut), Has(closed.AccountsPaid));

    private static AuditDto ToAudit(Sdk.AuditDto audit) =>
        new(Has(audit.Ok), Has(audit.CheckedThrough), Has(audit.CheckedAt), Has(audit.Events), Has(audit.Tasks), Has(audit.Accounts),
            Has(audit.Days), Has(audit.Pending), Has(audit.Differences).Select(ToDifference).ToList());

    private static AuditDifference ToDifference(Sdk.AuditDifference difference) =>
        new(Has(difference.Kind), difference.AccountId, difference.Name, difference.TaskId, ToDateOnly(difference.Date), Has(difference.Expected),
            Has(difference.Recorded), Has(difference.Detail));

    private static AnalyticsSummary ToSummary(Sdk.AnalyticsSummary summary) =>
        new(Has(summary.Date), Has(summary.ManagementEarnings), Has(summary.NegativeBalances));

    private static MostExpensive ToMostExpensive(Sdk.MostExpensive most) =>
        new(Has(most.From), Has(most.To), most.Task is { } task
            ? new ExpensiveTask(Has(task.Id), Has(task.Title), task.JiraId, Has(task.Reward), Has(task.CompletedAt))
            : null);

    private static NotificationDto ToNotification(Sdk.NotificationDto notification) =>
        new(Has(notification.Id), Has(notification.At), Has(notification.Kind), Has(notification.Text));

    private static UserDto ToUser(Sdk.UserDto user) =>
        new(Has(user.Id), Has(user.Email), Has(user.Name), Has(user.Role), Has(user.CreatedAt), Has(user.Disabled));

    private static Date? ToDate(DateOnly? date) => date is { } day ? day : null;

    private static DateOnly? ToDateOnly(Date? date) => date is { } day ? day : null;

    /// <summary>The field names of a validation problem with their messages (each a JSON array of strings).</summary>
    private static Dictionary<string, string[]>? ToErrors(Sdk.HttpValidationProblemDetails_errors? errors) =>
        errors?.AdditionalData.ToDictionary(field => field.Key, field => field.Value switch
        {
            UntypedArray messages => messages.GetValue().Select(m => m is UntypedString text ? text.GetValue() ?? "" : m.ToString() ?? "").ToArray(),
            var other => [other?.ToString() ?? ""],
        });

    private static T Has<T>(T? value, [CallerArgumentExpression(nameof(value))] string field = "") where T : struct =>
        value ?? throw Missing(field);

    private static DateOnly Has(Date? value, [CallerArgumentExpression(nameof(value))] string field = "") =>
        value is { } day ? day : throw Missing(field);

    private static T Has<T>(T? value, [CallerArgumentExpression(nameof(value))] string field = "") where T : class =>
        value ?? throw Missing(field);

    private static InvalidDataException Missing(string field) => new($"The gateway's answer lacks {field}.");
}
