
using Ates.Grains.Interfaces;
using Ates.Client.Gateway;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Ates.Client.Apis;

public sealed record CloseDay(DateOnly? Date);

/// <summary>A log's query: the days from and to (inclusive), as of an instant (the day close's rule), as JSON or CSV.</summary>
public sealed record LogQuery(
    [FromQuery(Name = "from")] DateOnly? From,
    [FromQuery(Name = "to")] DateOnly? To,
    [FromQuery(Name = "at")] DateTimeOffset? At,
    [FromQuery(Name = "format")] string? Format);

/// <summary>The accounting days' query: from and to (inclusive; the last 7 days by default), as JSON or CSV.</summary>
public sealed record DaysQuery(
    [FromQuery(Name = "from")] DateOnly? From,
    [FromQuery(Name = "to")] DateOnly? To,
    [FromQuery(Name = "format")] string? Format);

public static class AccountingApi
{
    private const string SeeOthers = "Only accountants and admins see another person's account; anyone sees their own.";

    public static IEndpointRouteBuilder MapAccountingApi(this IEndpointRouteBuilder app)
    {
        var accounts = app.MapGroup("/api/accounts").WithTags("Accounting").RequireUser();
        // `at`: the balance and the entries as of that instant (the day close's rule).
        accounts.MapGet("/me", MyAccountAsync).WithName("GetMyAccount").WithSummary("Get my account")
            .WithDescription("My balance and what I earned today; with `at`, as of that instant.");
        accounts.MapGet("/me/log", MyLogAsync).WithName("GetMyLog").WithSummary("Get my account's log")
            .WithDescription("Every entry of my account in the days asked for; `format=csv` for a spreadsheet.")
            .ProducesText<IReadOnlyList<EntryDto>>(CsvExport.ContentType, CsvExport.LogDescription);
        accounts.MapGet("/{userId:guid}", AccountAsync).WithName("GetAccount").WithSummary("Get a person's account")
            .Refuses(403, SeeOthers).Refuses(404, "No such user.");
        accounts.MapGet("/{userId:guid}/log", LogAsync).WithName("GetAccountLog").WithSummary("Get a person's account log")
            .ProducesText<IReadOnlyList<EntryDto>>(CsvExport.ContentType, CsvExport.LogDescription).Refuses(403, SeeOthers).Refuses(404, "No such user.");
        accounts.MapGet("/", ListAccountsAsync).RequireUser(Roles.Accountant, Roles.Admin).WithName("ListAccounts").WithSummary("List every account");

        var accounting = app.MapGroup("/api/accounting").WithTags("Accounting").RequireUser(Roles.Accountant, Roles.Admin);
        accounting.MapGet("/today", TodayAsync).WithName("GetToday").WithSummary("Get today's totals");
        accounting.MapGet("/days", DaysAsync).WithName("ListDays").WithSummary("List the days' totals")
            .WithDescription("Fees, rewards, management earnings and payouts per business day; `format=csv` for a spreadsheet.")
            .ProducesText<IReadOnlyList<DayDto>>(CsvExport.ContentType, CsvExport.DaysDescription);
        // The books re-derived from the task events and compared with the ledger (docs/design.md "Proving the books").
        accounting.MapGet("/audit", AuditAsync).WithName("AuditBooks").WithSummary("Audit the books")
            .WithDescription("The books re-derived from the task events and compared with the ledger, difference by difference.");
        // Through the billing clock, so days close in order and each pays what it left (rule 6).
        // Not in the group above: its policy would let accountants in, and a worker would be told the group's roles.
        app.MapPost("/api/accounting/close-day", CloseDayAsync).RequireUser(Roles.Admin).WithTags("Accounting").WithName("CloseDay").WithSummary("Close business days")
            .WithDescription("Closes every open day through `date` (yesterday by default), in order: each pays out what it left.")
            .Refuses(409, "Billing has not yet processed every event of the day.");
        return app;
    }

    private static async Task<Ok<AccountView>> MyAccountAsync([FromQuery(Name = "at")] DateTimeOffset? at, HttpContext context, IGrainFactory grains, People people) =>
        TypedResults.Ok(await ViewAsync(context.Me().Id, at, grains, people));

    private static async Task<Results<Ok<IReadOnlyList<EntryDto>>, FileContentHttpResult>> MyLogAsync([AsParameters] LogQuery query, HttpContext context, IGrainFactory grains)
    {
        var me = context.Me().Id;
        var csv = CsvExport.Wanted(query.Format); // a wrong format is a 400 before any ledger is read
        var log = await ReadLogAsync(grains.GetGrain<IAccountGrain>(me), query);
        return csv ? CsvExport.Log(log, FileKey(me)) : TypedResults.Ok(log);
    }

    private static async Task<Results<Ok<AccountView>, ProblemHttpResult>> AccountAsync(Guid userId, [FromQuery(Name = "at")] DateTimeOffset? at, HttpContext context,
        IGrainFactory grains, People people) =>
        await OtherAccountAsync(userId, context, grains) is { } refused ? refused : TypedResults.Ok(await ViewAsync(userId, at, grains, people));

    private static async Task<Results<Ok<IReadOnlyList<EntryDto>>, FileContentHttpResult, ProblemHttpResult>> LogAsync(Guid userId, [AsParameters] LogQuery query,
        HttpContext context, IGrainFactory grains)
    {
        if (await OtherAccountAsync(userId, context, grains) is { } refused) return refused;
        var csv = CsvExport.Wanted(query.Format);
        var log = await ReadLogAsync(grains.GetGrain<IAccountGrain>(userId), query);
        return csv ? CsvExport.Log(log, FileKey(userId)) : TypedResults.Ok(log);
    }

    private static async Task<Ok<List<AccountView>>> ListAccountsAsync(DomainQueries queries, People people)
    {
        var accounts = await queries.AllAccounts();
        var all = await people.AllAsync(accounts.Select(a => a.UserId));
        return TypedResults.Ok(accounts.Select(a => AccountView.Of(a, all)).ToList());
    }

    private static async Task<Ok<DayDto>> TodayAsync(DomainQueries queries) => TypedResults.Ok(await queries.Day(queries.Calendar.Today));

    private static async Task<Results<Ok<IReadOnlyList<DayDto>>, FileContentHttpResult>> DaysAsync([AsParameters] DaysQuery query, DomainQueries queries)
    {
        var csv = CsvExport.Wanted(query.Format);
        var today = queries.Calendar.Today;
        var (start, end) = (query.From ?? (query.To ?? today).AddDays(-6), query.To ?? today);
        var days = await queries.Days(start, end);
        return csv ? CsvExport.Days(days, start, end) : TypedResults.Ok(days);
    }

    private static async Task<Ok<AuditDto>> AuditAsync(IGrainFactory grains) => TypedResults.Ok(await grains.GetGrain<IBooksAuditGrain>(Singletons.Key).Check());

    private static async Task<Ok<CloseDayResult>> CloseDayAsync(CloseDay? body, DomainQueries queries, IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IBillingClockGrain>(Singletons.Key).CloseThrough(body?.Date ?? queries.Calendar.Today.AddDays(-1)));

    private static async Task<AccountView> ViewAsync(Guid userId, DateTimeOffset? at, IGrainFactory grains, People people)
    {
        var account = grains.GetGrain<IAccountGrain>(userId);
        return AccountView.Of(at is { } moment ? await account.GetAt(moment) : await account.Get(), await people.AllAsync(userId));
    }

    private static Task<IReadOnlyList<EntryDto>> ReadLogAsync(IAccountGrain account, LogQuery query) =>
        query.At is { } moment ? account.LogAt(moment, query.From, query.To) : account.Log(query.From, query.To);

    private static string FileKey(Guid whose) => whose.ToString("N")[..8];

    /// <summary>Anyone sees their own account; accountants and admins see any existing one.</summary>
    private static async Task<ProblemHttpResult?> OtherAccountAsync(Guid userId, HttpContext context, IGrainFactory grains)
    {
        var me = context.Me();
        if (userId != me.Id && !Roles.CanSeeAllAccounts(me.Role)) return Errors.Refuse(403, "You may see your own account only.", Roles.Allowed(Roles.Accountant, Roles.Admin) + " Anyone may see their own.");
        return await grains.GetGrain<IUserRegistryGrain>(Singletons.Key).Get(userId) is null ? Errors.Refuse(404, "No such user.") : null;
    }
}
