using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Ates.Grains.Interfaces;

namespace Ates.Client;

/// <summary>A 4xx/5xx problem answer from the gateway.</summary>
public sealed class AtesApiException(HttpStatusCode status, string title, string? detail, IReadOnlyDictionary<string, string[]>? errors)
    : Exception($"{(int)status} {title}{(detail is null ? "" : $": {detail}")}")
{
    public HttpStatusCode Status { get; } = status;
    public string Title { get; } = title;
    public string? Detail { get; } = detail;
    public IReadOnlyDictionary<string, string[]>? Errors { get; } = errors;
}

public sealed record SignedIn(Guid Id, string Email, string Name, string Role);

/// <summary>
/// The typed gateway client (docs/api.md v1). Sign in with <see cref="SignInAsync"/> (a bearer token is kept for every
/// later call); errors come back as <see cref="AtesApiException"/> carrying the problem details.
/// </summary>
public sealed class AtesClient(HttpClient http)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public HttpClient Http { get; } = http;

    public string? CorrelationId { get; set; }

    public async Task<SignedIn> SignInAsync(string email, string password, CancellationToken ct = default)
    {
        var token = await SendAsync<JsonElement>(HttpMethod.Post, "/api/auth/token", new { email, password }, ct);
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("accessToken").GetString());
        return await MeAsync(ct);
    }

    public Task<SignedIn> MeAsync(CancellationToken ct = default) => SendAsync<SignedIn>(HttpMethod.Get, "/api/me", null, ct);

    /// <summary>
    /// Creates a task with an Idempotency-Key (a new one unless given): a retry with the same key after a failure or a
    /// timeout answers with the task the first attempt created, never a second one.
    /// </summary>
    public Task<TaskDto> CreateTaskAsync(string title, string? jiraId = null, string? description = null, CancellationToken ct = default, string? idempotencyKey = null) =>
        SendAsync<TaskDto>(HttpMethod.Post, "/api/tasks", new NewTask(title, jiraId, description), ct,
            (IdempotencyKeys.Header, idempotencyKey ?? Guid.NewGuid().ToString()));

    public Task<TaskPage> ListTasksAsync(string? assignee = null, string? status = null, int? limit = null, string? after = null, CancellationToken ct = default) =>
        SendAsync<TaskPage>(HttpMethod.Get, "/api/tasks" + Query(("assignee", assignee), ("status", status), ("limit", limit?.ToString()), ("after", after)), null, ct);

    public Task<TaskDto> GetTaskAsync(Guid id, CancellationToken ct = default) => SendAsync<TaskDto>(HttpMethod.Get, $"/api/tasks/{id}", null, ct);

    public Task<TaskDto> CompleteTaskAsync(Guid id, CancellationToken ct = default) => SendAsync<TaskDto>(HttpMethod.Post, $"/api/tasks/{id}/complete", null, ct);

    public async Task<int> ShuffleAsync(CancellationToken ct = default) =>
        (await SendAsync<JsonElement>(HttpMethod.Post, "/api/tasks/shuffle", null, ct)).GetProperty("reassigned").GetInt32();

    public Task<AccountDto> MyAccountAsync(CancellationToken ct = default) => SendAsync<AccountDto>(HttpMethod.Get, "/api/accounts/me", null, ct);

    public Task<IReadOnlyList<EntryDto>> MyLogAsync(DateOnly? from = null, DateOnly? to = null, CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<EntryDto>>(HttpMethod.Get, "/api/accounts/me/log" + Query(("from", Date(from)), ("to", Date(to))), null, ct);

    public Task<AccountDto> AccountAsync(Guid userId, CancellationToken ct = default) => SendAsync<AccountDto>(HttpMethod.Get, $"/api/accounts/{userId}", null, ct);

    public Task<IReadOnlyList<AccountDto>> AccountsAsync(CancellationToken ct = default) => SendAsync<IReadOnlyList<AccountDto>>(HttpMethod.Get, "/api/accounts", null, ct);

    public Task<DayDto> TodayAsync(CancellationToken ct = default) => SendAsync<DayDto>(HttpMethod.Get, "/api/accounting/today", null, ct);

    public Task<IReadOnlyList<DayDto>> DaysAsync(DateOnly from, DateOnly to, CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<DayDto>>(HttpMethod.Get, "/api/accounting/days" + Query(("from", Date(from)), ("to", Date(to))), null, ct);

    public Task<CloseDayResult> CloseDayAsync(DateOnly? date = null, CancellationToken ct = default) =>
        SendAsync<CloseDayResult>(HttpMethod.Post, "/api/accounting/close-day", new { date }, ct);

    /// <summary>The audit of the books (accountant, admin): re-derived from the task events and compared with the ledger.</summary>
    public Task<AuditDto> AuditAsync(CancellationToken ct = default) => SendAsync<AuditDto>(HttpMethod.Get, "/api/accounting/audit", null, ct);

    public Task<AnalyticsSummary> SummaryAsync(DateOnly? date = null, CancellationToken ct = default) =>
        SendAsync<AnalyticsSummary>(HttpMethod.Get, "/api/analytics/summary" + Query(("date", Date(date))), null, ct);

    public Task<MostExpensive> MostExpensiveAsync(string period, DateOnly? date = null, CancellationToken ct = default) =>
        SendAsync<MostExpensive>(HttpMethod.Get, "/api/analytics/most-expensive" + Query(("period", period), ("date", Date(date))), null, ct);

    public Task<IReadOnlyList<NotificationDto>> NotificationsAsync(CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<NotificationDto>>(HttpMethod.Get, "/api/notifications", null, ct);

    public Task<IReadOnlyList<UserDto>> UsersAsync(CancellationToken ct = default) => SendAsync<IReadOnlyList<UserDto>>(HttpMethod.Get, "/api/users", null, ct);

    public Task<UserDto> CreateUserAsync(string email, string name, string role, string password, CancellationToken ct = default) =>
        SendAsync<UserDto>(HttpMethod.Post, "/api/users", new { email, name, role, password }, ct);

    public Task<UserDto> ChangeRoleAsync(Guid userId, string role, CancellationToken ct = default) =>
        SendAsync<UserDto>(HttpMethod.Put, $"/api/users/{userId}/role", new { role }, ct);

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken ct, (string Name, string Value)? header = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (header is { } h) request.Headers.Add(h.Name, h.Value);
        if (body is not null) request.Content = JsonContent.Create(body, options: Json);
        if (CorrelationId is not null) request.Headers.Add("X-Correlation-Id", CorrelationId);
        using var response = await Http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
        {
            var problem = response.Content.Headers.ContentLength is 0 ? default : await response.Content.ReadFromJsonAsync<JsonElement>(Json, ct);
            throw new AtesApiException(response.StatusCode,
                problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty("title", out var t) ? t.GetString() ?? "" : response.ReasonPhrase ?? "",
                problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty("detail", out var d) ? d.GetString() : null,
                problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty("errors", out var e) ? e.Deserialize<Dictionary<string, string[]>>(Json) : null);
        }
        return (await response.Content.ReadFromJsonAsync<T>(Json, ct))!;
    }

    private static string? Date(DateOnly? date) => date?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private static string Query(params (string Name, string? Value)[] parameters)
    {
        var present = parameters.Where(p => p.Value is not null).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return present.Count == 0 ? "" : "?" + string.Join("&", present);
    }
}
