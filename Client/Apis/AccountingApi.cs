
using Ates.Grains.Interfaces;
using Ates.Client.Gateway;

namespace Ates.Client.Apis;

public sealed record CloseDay(DateOnly? Date);

public static class AccountingApi
{
    public static IEndpointRouteBuilder MapAccountingApi(this IEndpointRouteBuilder app)
    {
        var accounts = app.MapGroup("/api/accounts").WithTags("Accounting").RequireUser();
        accounts.MapGet("/me", (HttpContext context, IGrainFactory grains) => grains.GetGrain<IAccountGrain>(context.Me().Id).Get());
        accounts.MapGet("/me/log", (DateOnly? from, DateOnly? to, HttpContext context, IGrainFactory grains) =>
            grains.GetGrain<IAccountGrain>(context.Me().Id).Log(from, to));
        accounts.MapGet("/{userId:guid}", async (Guid userId, HttpContext context, IGrainFactory grains) =>
            await OtherAccountAsync(userId, context, grains) ?? Results.Ok(await grains.GetGrain<IAccountGrain>(userId).Get()));
        accounts.MapGet("/{userId:guid}/log", async (Guid userId, DateOnly? from, DateOnly? to, HttpContext context, IGrainFactory grains) =>
            await OtherAccountAsync(userId, context, grains) ?? Results.Ok(await grains.GetGrain<IAccountGrain>(userId).Log(from, to)));
        accounts.MapGet("/", (DomainQueries queries) => queries.AllAccounts()).RequireUser(Roles.Accountant, Roles.Admin);

        var accounting = app.MapGroup("/api/accounting").WithTags("Accounting").RequireUser(Roles.Accountant, Roles.Admin);
        accounting.MapGet("/today", (DomainQueries queries) => queries.Day(queries.Calendar.Today));
        accounting.MapGet("/days", (DateOnly? from, DateOnly? to, DomainQueries queries) =>
        {
            var today = queries.Calendar.Today;
            return queries.Days(from ?? today.AddDays(-6), to ?? today);
        });
        accounting.MapPost("/close-day", (CloseDay? body, DomainQueries queries, IGrainFactory grains) =>
            grains.GetGrain<IBillingDayGrain>(BusinessCalendar.Key(body?.Date ?? queries.Calendar.Today.AddDays(-1))).Close())
            .RequireUser(Roles.Admin);
        return app;
    }

    /// <summary>Anyone sees their own account; accountants and admins see any existing one.</summary>
    private static async Task<IResult?> OtherAccountAsync(Guid userId, HttpContext context, IGrainFactory grains)
    {
        var me = context.Me();
        if (userId != me.Id && !Roles.CanSeeAllAccounts(me.Role)) return Errors.Problem(403, "You may see your own account only.");
        return await grains.GetGrain<IUserRegistryGrain>(Singletons.Key).Get(userId) is null ? Errors.Problem(404, "No such user.") : null;
    }
}
