
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
        return app;
    }
}
