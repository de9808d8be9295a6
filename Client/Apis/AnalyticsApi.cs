using Ates.Grains.Interfaces;
using Ates.Client.Gateway;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Ates.Client.Apis;

/// <summary>Which days "most expensive" looks at: a period (day, week, month) around a date, or from and to.</summary>
public sealed record ExpensiveQuery(
    [FromQuery(Name = "from")] DateOnly? From,
    [FromQuery(Name = "to")] DateOnly? To,
    [FromQuery(Name = "period")] string? Period,
    [FromQuery(Name = "date")] DateOnly? Date);

/// <summary>A range of days, from and to inclusive.</summary>
public sealed record DayRange([FromQuery(Name = "from")] DateOnly? From, [FromQuery(Name = "to")] DateOnly? To);

public static class AnalyticsApi
{
    public static IEndpointRouteBuilder MapAnalyticsApi(this IEndpointRouteBuilder app)
    {
        var analytics = app.MapGroup("/api/analytics").WithTags("Analytics").RequireUser(Roles.Admin);
        analytics.MapGet("/summary", SummaryAsync).WithName("GetAnalyticsSummary").WithSummary("Get a day's management earnings and negative balances");
        analytics.MapGet("/most-expensive", MostExpensiveAsync).WithName("GetMostExpensiveTask").WithSummary("Get the most expensive task of a range")
            .WithDescription("The completed task with the highest reward in a period (day, week or month around `date`) or from `from` to `to`.");
        // People below zero at the end of each day (today: now), for the overview's chart; the arithmetic stays on the server.
        analytics.MapGet("/negative-balances", NegativeBalancesAsync).WithName("ListNegativeBalances").WithSummary("Count people below zero per day")
            .WithDescription("How many people were below zero at the end of each day (today: now); the last 14 days by default.");
        return app;
    }

    private static async Task<Ok<AnalyticsSummary>> SummaryAsync([FromQuery(Name = "date")] DateOnly? date, DomainQueries queries) =>
        TypedResults.Ok(await queries.Summary(date ?? queries.Calendar.Today));

    private static async Task<Ok<MostExpensive>> MostExpensiveAsync([AsParameters] ExpensiveQuery query, DomainQueries queries)
    {
        if (query.Period is not null)
        {
            var (start, end) = BusinessCalendar.Period(query.Period, query.Date ?? queries.Calendar.Today);
            return TypedResults.Ok(await queries.MostExpensive(start, end));
        }
        var today = queries.Calendar.Today;
        return TypedResults.Ok(await queries.MostExpensive(query.From ?? query.To ?? today, query.To ?? query.From ?? today));
    }

    private static async Task<Ok<IReadOnlyList<NegativeBalancesOnDay>>> NegativeBalancesAsync([AsParameters] DayRange range, DomainQueries queries)
    {
        var today = queries.Calendar.Today;
        return TypedResults.Ok(await queries.NegativeBalances(range.From ?? (range.To ?? today).AddDays(-13), range.To ?? today));
    }
}
