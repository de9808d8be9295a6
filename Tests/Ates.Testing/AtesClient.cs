using System.Net;
using Ates.Client.Sdk;
using Ates.Grains.Interfaces;
using Microsoft.Kiota.Abstractions;
using Sdk = Ates.Client.Sdk.Models;

namespace Ates.Testing;

/// <summary>
/// The gateway client the cluster tests, the chaos run and the benchmarks drive silos with: the generated client
/// (Client.Sdk) under the calls and answers those callers were written against, the domain's DTOs their assertions
/// compare (AtesClient.Mapping.cs). Nothing here speaks HTTP itself: a route, parameter or field the document no longer
/// has stops this from compiling once the client is regenerated. Sign in with <see cref="SignInAsync"/> (the bearer token
/// stays on <see cref="Http"/> for every later call); a refusal comes back as <see cref="AtesApiException"/>.
/// </summary>
public sealed partial class AtesClient
{
    private readonly AtesApiClient _api;

    public AtesClient(HttpClient http)
    {
        Http = http;
        _api = AtesSdk.Create(http);
    }

    /// <summary>
    /// The HttpClient the calls go through, for what the generated client cannot do: the live feed's server-sent events,
    /// and the raw answers (headers, status of a non-API route) some tests assert on.
    /// </summary>
    public HttpClient Http { get; }

    /// <summary>Sent as X-Correlation-Id on every call when set.</summary>
    public string? CorrelationId { get; set; }

    public async Task<SignedIn> SignInAsync(string email, string password, CancellationToken ct = default)
    {
        await Answer(SignIn());
        return await MeAsync(ct);

        async Task<AtesApiClient?> SignIn() => await AtesSdk.SignInAsync(Http, email, password, ct);
    }

    public async Task<SignedIn> MeAsync(CancellationToken ct = default) =>
        ToSignedIn(await Answer(_api.Api.Me.GetAsync(Headers, ct)));

    /// <summary>
    /// Creates a task with an Idempotency-Key (a new one unless given): a retry with the same key after a failure or a
    /// timeout answers with the task the first attempt created, never a second one.
    /// </summary>
    public async Task<TaskDto> CreateTaskAsync(string title, string? jiraId = null, string? description = null, CancellationToken ct = default, string? idempotencyKey = null)
    {
        var key = idempotencyKey ?? Guid.NewGuid().ToString();
        return ToTask(await Answer(_api.Api.Tasks.PostAsync(new Sdk.NewTask { Title = title, JiraId = jiraId, Description = description }, request =>
        {
            Headers(request);
            request.Headers.Add(IdempotencyKeys.Header, key);
        }, ct)));
    }

    public async Task<TaskPage> ListTasksAsync(string? assignee = null, string? status = null, int? limit = null, string? after = null, CancellationToken ct = default) =>
        ToPage(await Answer(_api.Api.Tasks.GetAsync(request =>
        {
            Headers(request);
            (request.QueryParameters.Assignee, request.QueryParameters.Status, request.QueryParameters.Limit, request.QueryParameters.After) = (assignee, status, limit, after);
        }, ct)));

    public async Task<TaskDto> GetTaskAsync(Guid id, CancellationToken ct = default) => ToTask(await Answer(_api.Api.Tasks[id].GetAsync(Headers, ct)));

    public async Task<TaskDto> CompleteTaskAsync(Guid id, CancellationToken ct = default) => ToTask(await Answer(_api.Api.Tasks[id].Complete.PostAsync(Headers, ct)));

    public async Task<int> ShuffleAsync(CancellationToken ct = default) => Has((await Answer(_api.Api.Tasks.Shuffle.PostAsync(Headers, ct))).Reassigned);

    public async Task<AccountDto> MyAccountAsync(CancellationToken ct = default) => ToAccount(await Answer(_api.Api.Accounts.Me.GetAsync(Headers, ct)));

    public async Task<IReadOnlyList<EntryDto>> MyLogAsync(DateOnly? from = null, DateOnly? to = null, CancellationToken ct = default) =>
        (await Answer(_api.Api.Accounts.Me.Log.GetAsync(request =>
        {
            Headers(request);
            (request.QueryParameters.From, request.QueryParameters.To) = (ToDate(from), ToDate(to));
        }, ct))).Select(ToEntry).ToList();

    public async Task<AccountDto> AccountAsync(Guid userId, CancellationToken ct = default) => ToAccount(await Answer(_api.Api.Accounts[userId].GetAsync(Headers, ct)));

    public async Task<IReadOnlyList<AccountDto>> AccountsAsync(CancellationToken ct = default) =>
        (await Answer(_api.Api.Accounts.GetAsync(Headers, ct))).Select(ToAccount).ToList();

    public async Task<DayDto> TodayAsync(CancellationToken ct = default) => ToDay(await Answer(_api.Api.Accounting.Today.GetAsync(Headers, ct)));

    public async Task<IReadOnlyList<DayDto>> DaysAsync(DateOnly from, DateOnly to, CancellationToken ct = default) =>
        (await Answer(_api.Api.Accounting.Days.GetAsync(request =>
        {
            Headers(request);
            (request.QueryParameters.From, request.QueryParameters.To) = (ToDate(from), ToDate(to));
        }, ct))).Select(ToDay).ToList();

    public async Task<CloseDayResult> CloseDayAsync(DateOnly? date = null, CancellationToken ct = default) =>
        ToClosed(await Answer(_api.Api.Accounting.CloseDay.PostAsync(new Sdk.CloseDay { Date = ToDate(date) }, Headers, ct)));

    /// <summary>The audit of the books (accountant, admin): re-derived from the task events and compared with the ledger.</summary>
    public async Task<AuditDto> AuditAsync(CancellationToken ct = default) => ToAudit(await Answer(_api.Api.Accounting.Audit.GetAsync(Headers, ct)));

    public async Task<AnalyticsSummary> SummaryAsync(DateOnly? date = null, CancellationToken ct = default) =>
        ToSummary(await Answer(_api.Api.Analytics.Summary.GetAsync(request =>
        {
            Headers(request);
            request.QueryParameters.Date = ToDate(date);
        }, ct)));

    public async Task<MostExpensive> MostExpensiveAsync(string period, DateOnly? date = null, CancellationToken ct = default) =>
        ToMostExpensive(await Answer(_api.Api.Analytics.MostExpensive.GetAsync(request =>
        {
            Headers(request);
            (request.QueryParameters.Period, request.QueryParameters.Date) = (period, ToDate(date));
        }, ct)));

    public async Task<IReadOnlyList<NotificationDto>> NotificationsAsync(CancellationToken ct = default) =>
        (await Answer(_api.Api.Notifications.GetAsync(Headers, ct))).Select(ToNotification).ToList();

    public async Task<IReadOnlyList<UserDto>> UsersAsync(CancellationToken ct = default) =>
        (await Answer(_api.Api.Users.GetAsync(Headers, ct))).Select(ToUser).ToList();

    public async Task<UserDto> CreateUserAsync(string email, string name, string role, string password, CancellationToken ct = default) =>
        ToUser(await Answer(_api.Api.Users.PostAsync(new Sdk.NewUser { Email = email, Name = name, Role = role, Password = password }, Headers, ct)));

    public async Task<UserDto> ChangeRoleAsync(Guid userId, string role, CancellationToken ct = default) =>
        ToUser(await Answer(_api.Api.Users[userId].Role.PutAsync(new Sdk.RoleChange { Role = role }, Headers, ct)));

    private void Headers<TQuery>(RequestConfiguration<TQuery> request) where TQuery : class, new()
    {
        if (CorrelationId is not null) request.Headers.Add("X-Correlation-Id", CorrelationId);
    }

    /// <summary>
    /// The answer of a generated call, its refusals turned into <see cref="AtesApiException"/>: what the callers' retry
    /// loops and assertions catch and judge by status. Transport failures and timeouts pass through as they always did
    /// (HttpRequestException, TaskCanceledException): the generated client sends through the same HttpClient.
    /// </summary>
    private static async Task<T> Answer<T>(Task<T?> call) where T : class
    {
        try
        {
            return await call ?? throw new InvalidDataException($"The gateway answered without the {typeof(T).Name} the document promises.");
        }
        catch (ApiException refused)
        {
            var status = (HttpStatusCode)refused.ResponseStatusCode;
            throw refused switch
            {
                Sdk.HttpValidationProblemDetails problem => new AtesApiException(status, problem.Title ?? "", problem.Detail, ToErrors(problem.Errors), refused),
                Sdk.ProblemDetails problem => new AtesApiException(status, problem.Title ?? "", problem.Detail, null, refused),
                // A status the document does not list for the operation: the generated client reads no body for it.
                _ => new AtesApiException(status, refused.Message, null, null, refused),
            };
        }
    }
}
