
using Ates.Grains.Interfaces;
using Ates.Client.Gateway;

namespace Ates.Client.Apis;

public static class AnalyticsApi
{
    public static IEndpointRouteBuilder MapAnalyticsApi(this IEndpointRouteBuilder app)
    {
        var analytics = app.MapGroup("/api/analytics").WithTags("Analytics").RequireUser(Roles.Admin);
        analytics.MapGet("/summary", (DateOnly? date, DomainQueries queries) => queries.Summary(date ?? queries.Calendar.Today));
        analytics.MapGet("/most-expensive", (DateOnly? from, DateOnly? to, string? period, DateOnly? date, DomainQueries queries) =>
        {
            if (period is not null)
            {
                var (start, end) = BusinessCalendar.Period(period, date ?? queries.Calendar.Today);
                return queries.MostExpensive(start, end);
            }
            var today = queries.Calendar.Today;
            return queries.MostExpensive(from ?? to ?? today, to ?? from ?? today);
        });
        // People below zero at the end of each day (today: now), for the overview's chart; the arithmetic stays on the server.
        analytics.MapGet("/negative-balances", (DateOnly? from, DateOnly? to, DomainQueries queries) =>
        {
            var today = queries.Calendar.Today;
            return queries.NegativeBalances(from ?? (to ?? today).AddDays(-13), to ?? today);
        }).Produces<List<NegativeBalancesOnDay>>().ProducesValidationProblem();
        return app;
    }
}
