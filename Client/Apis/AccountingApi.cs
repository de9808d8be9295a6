
using Ates.Grains.Interfaces;
using Ates.Client.Gateway;

namespace Ates.Client.Apis;

public sealed record CloseDay(DateOnly? Date);

public static class AccountingApi
{
    public static IEndpointRouteBuilder MapAccountingApi(this IEndpointRouteBuilder app)
    {
        var accounts = app.MapGroup("/api/accounts").WithTags("Accounting").RequireUser();
        // `at`: the balance and the entries as of that instant (the day close's rule).
        accounts.MapGet("/me", (DateTimeOffset? at, HttpContext context, IGrainFactory grains, People people) => AccountAsync(context.Me().Id, at, grains, people));
        accounts.MapGet("/me/log", async (DateOnly? from, DateOnly? to, DateTimeOffset? at, string? format, HttpContext context, IGrainFactory grains) =>
            Entries(await LogAsync(grains.GetGrain<IAccountGrain>(context.Me().Id), from, to, at, format), format, context.Me().Id))
            .Produces<List<EntryDto>>().Produces(200, contentType: "text/csv").ProducesValidationProblem();
        accounts.MapGet("/{userId:guid}", async (Guid userId, DateTimeOffset? at, HttpContext context, IGrainFactory grains, People people) =>
            await OtherAccountAsync(userId, context, grains) ?? Results.Ok(await AccountAsync(userId, at, grains, people)));
        accounts.MapGet("/{userId:guid}/log", async (Guid userId, DateOnly? from, DateOnly? to, DateTimeOffset? at, string? format, HttpContext context, IGrainFactory grains) =>
            await OtherAccountAsync(userId, context, grains) ?? Entries(await LogAsync(grains.GetGrain<IAccountGrain>(userId), from, to, at, format), format, userId))
            .Produces<List<EntryDto>>().Produces(200, contentType: "text/csv").ProducesValidationProblem().ProducesProblem(403).ProducesProblem(404);
        accounts.MapGet("/", async (DomainQueries queries, People people) =>
        {
            var accounts = await queries.AllAccounts();
            var all = await people.AllAsync(accounts.Select(a => a.UserId));
            return accounts.Select(a => AccountView.Of(a, all)).ToList();
        }).RequireUser(Roles.Accountant, Roles.Admin);

        var accounting = app.MapGroup("/api/accounting").WithTags("Accounting").RequireUser(Roles.Accountant, Roles.Admin);
        accounting.MapGet("/today", (DomainQueries queries) => queries.Day(queries.Calendar.Today));
        accounting.MapGet("/days", async (DateOnly? from, DateOnly? to, string? format, DomainQueries queries) =>
        {
            var csv = CsvExport.Wanted(format);
            var today = queries.Calendar.Today;
            var (start, end) = (from ?? (to ?? today).AddDays(-6), to ?? today);
            var days = await queries.Days(start, end);
            return csv ? CsvExport.Days(days, start, end) : Results.Ok(days);
        }).Produces<List<DayDto>>().Produces(200, contentType: "text/csv").ProducesValidationProblem();
        // The books re-derived from the task events and compared with the ledger (docs/design.md "Proving the books").
        accounting.MapGet("/audit", (IGrainFactory grains) => grains.GetGrain<IBooksAuditGrain>(Singletons.Key).Check());
        // Through the billing clock, so days close in order and each pays what it left (rule 6).
        // Not in the group above: its role check would answer a worker with the group's roles, not this route's.
        app.MapPost("/api/accounting/close-day", (CloseDay? body, DomainQueries queries, IGrainFactory grains) =>
            grains.GetGrain<IBillingClockGrain>(Singletons.Key).CloseThrough(body?.Date ?? queries.Calendar.Today.AddDays(-1)))
            .RequireUser(Roles.Admin).WithTags("Accounting").Produces<CloseDayResult>().ProducesValidationProblem().ProducesProblem(409);
        return app;
    }

    private static async Task<AccountView> AccountAsync(Guid userId, DateTimeOffset? at, IGrainFactory grains, People people)
    {
        var account = grains.GetGrain<IAccountGrain>(userId);
        return AccountView.Of(at is { } moment ? await account.GetAt(moment) : await account.Get(), await people.AllAsync(userId));
    }

    /// <remarks>The format is checked first: a wrong one is a 400 before any ledger is read.</remarks>
    private static Task<IReadOnlyList<EntryDto>> LogAsync(IAccountGrain account, DateOnly? from, DateOnly? to, DateTimeOffset? at, string? format)
    {
        CsvExport.Wanted(format);
        return at is { } moment ? account.LogAt(moment, from, to) : account.Log(from, to);
    }

    private static IResult Entries(IReadOnlyList<EntryDto> log, string? format, Guid whose) =>
        CsvExport.Wanted(format) ? CsvExport.Log(log, whose.ToString("N")[..8]) : Results.Ok(log);

    /// <summary>Anyone sees their own account; accountants and admins see any existing one.</summary>
    private static async Task<IResult?> OtherAccountAsync(Guid userId, HttpContext context, IGrainFactory grains)
    {
        var me = context.Me();
        if (userId != me.Id && !Roles.CanSeeAllAccounts(me.Role)) return Errors.Problem(403, "You may see your own account only.", Roles.Allowed(Roles.Accountant, Roles.Admin) + " Anyone may see their own.");
        return await grains.GetGrain<IUserRegistryGrain>(Singletons.Key).Get(userId) is null ? Errors.Problem(404, "No such user.") : null;
    }
}
