using Orleans.Concurrency;

namespace Ates.Grains.Interfaces;

/// <summary>Users, their roles and password hashes, with an email index. One registry ("default") per cluster.</summary>
[Alias("ates.users")]
public interface IUserRegistryGrain : IGrainWithStringKey
{
    Task<UserDto> Register(string email, string name, string role, string passwordHash);

    Task<UserDto> ChangeRole(Guid userId, string role);

    /// <summary>Changes a user's name, email or both (null leaves one as it is); another user's email is a conflict.</summary>
    Task<UserDto> EditDetails(Guid userId, string? name, string? email);

    /// <summary>Disables or enables a user; disabling ends every session of theirs. Nobody disables themselves.</summary>
    Task<UserDto> SetDisabled(Guid actorId, Guid userId, bool disabled);

    /// <summary>Sets a new password hash and ends every session of the user but <paramref name="keptSessionId"/>.</summary>
    Task ChangePassword(Guid userId, string passwordHash, Guid? keptSessionId);

    /// <summary>Stores a stronger hash of the same password, unless the password changed since <paramref name="oldHash"/> was read.</summary>
    Task RehashPassword(Guid userId, string oldHash, string newHash);

    /// <summary>Starts a session for a user who has just proved their password; null if the user is disabled or unknown.</summary>
    Task<Guid?> StartSession(Guid userId);

    Task EndSession(Guid userId, Guid sessionId);

    /// <summary>The user of a live session (not ended, not expired, user not disabled); null otherwise.</summary>
    [ReadOnly]
    Task<UserDto?> GetSession(Guid userId, Guid sessionId);

    [ReadOnly]
    Task<UserDto?> Get(Guid userId);

    [ReadOnly]
    Task<UserCredentials?> FindByEmail(string email);

    [ReadOnly]
    Task<IReadOnlyList<UserDto>> List();

    /// <summary>Users who may be given tasks now (rule: every role but admin and manager).</summary>
    [ReadOnly]
    Task<IReadOnlyList<Guid>> AssignableUserIds();

    /// <summary>
    /// The process behind <paramref name="watcher"/> keeps users and sessions (<see cref="UserDirectory"/>): tell it of
    /// every change before answering the command that made it. Called again every few seconds; forgotten after 30 s.
    /// </summary>
    [AlwaysInterleave]
    Task Watch(IUserDirectoryWatcher watcher);
}

[Alias("ates.task")]
public interface ITaskGrain : IGrainWithGuidKey
{
    Task<TaskDto> Create(NewTask task, Guid createdBy);

    /// <summary>The task as the journal has it now (not interleaved: it first applies what the journal holds beyond the activation).</summary>
    Task<TaskDto?> Get();

    /// <summary>The task's life from its own events, oldest first; empty if there is no such task.</summary>
    [ReadOnly]
    Task<IReadOnlyList<TaskStepDto>> History();

    Task<TaskDto> Complete(Guid actorId);

    /// <summary>Gives the task to <paramref name="assigneeId"/> for the shuffle, once per shuffle; false if done or already moved by it.</summary>
    Task<bool> Reassign(Guid assigneeId, Guid shuffleId);
}

/// <summary>Every task, for listing and for the shuffle. One board ("default"), read from the journal.</summary>
[Alias("ates.task-board")]
public interface ITaskBoardGrain : IGrainWithStringKey
{
    /// <param name="query">Words that must all appear, in any case, in the title or the Jira id.</param>
    /// <param name="sort">One of <see cref="TaskSorts"/>; null is newest first.</param>
    Task<TaskPage> List(Guid? assigneeId, string? status, string? query, int limit, string? after, string? sort);

    /// <summary>Reassigns every open task to a uniformly random assignable user (managers and admins only).</summary>
    /// <remarks>A hundred thousand open tasks take longer than Orleans' default 30 s response timeout.</remarks>
    [ResponseTimeout("00:05:00")]
    Task<int> Shuffle(Guid actorId);

    /// <summary>A board writer has applied its partition through <paramref name="through"/> (a listing waiting for it goes on).</summary>
    [AlwaysInterleave, OneWay]
    Task Applied(int partition, Ates.Journal.JournalPosition through);
}

/// <summary>A user's account: a ledger of assign fees, rewards and payouts, fed by the billing subscription.</summary>
[Alias("ates.account")]
public interface IAccountGrain : IGrainWithGuidKey
{
    [ReadOnly]
    Task<AccountDto> Get();

    [ReadOnly]
    Task<IReadOnlyList<EntryDto>> Log(DateOnly? from, DateOnly? to);

    /// <summary>
    /// The balance as of <paramref name="at"/>, by the day close's rule: a fee or reward counts from its task event's
    /// time, a payout from the end of the day it paid, whenever it was recorded.
    /// </summary>
    [ReadOnly]
    Task<AccountDto> GetAt(DateTimeOffset at);

    /// <summary>The entries that count as of <paramref name="at"/>, newest first, each with the balance after it as of then.</summary>
    [ReadOnly]
    Task<IReadOnlyList<EntryDto>> LogAt(DateTimeOffset at, DateOnly? from, DateOnly? to);

    /// <summary>The balance as of each of these moments (by the same rule as <see cref="GetAt"/>), in the order given.</summary>
    [ReadOnly]
    Task<IReadOnlyList<decimal>> BalancesAt(IReadOnlyList<DateTimeOffset> moments);

    /// <summary>Pays out the balance as of the end of <paramref name="date"/> when it is positive; once per day, whatever happens.</summary>
    Task<PayoutResult> PayOut(DateOnly date);
}

/// <summary>One business day of accounting (key "yyyy-MM-dd"): totals from the ledger, and the day close.</summary>
[Alias("ates.billing-day")]
public interface IBillingDayGrain : IGrainWithStringKey
{
    [ReadOnly]
    Task<DayDto> Get();

    /// <remarks>Pays every account of the day; many thousands take longer than Orleans' default response timeout.</remarks>
    [ResponseTimeout("00:05:00")]
    Task<CloseDayResult> Close();
}

/// <summary>Closes each business day after it ends, by a reminder ("default").</summary>
[Alias("ates.billing-clock")]
public interface IBillingClockGrain : IGrainWithStringKey
{
    /// <summary>Registers the reminder and closes at once whatever ended while no silo ran.</summary>
    Task Start();

    /// <summary>Closes every business day that has ended and is not closed yet, in order (what the reminder does).</summary>
    [ResponseTimeout("00:30:00")]
    Task Tick();

    /// <summary>
    /// Closes <paramref name="date"/> (an admin's close), closing every earlier unclosed day first; a closed day
    /// returns its recorded result. Invalid for a day that has not ended or lies before <see cref="FirstDay"/>.
    /// </summary>
    [ResponseTimeout("00:30:00")]
    Task<CloseDayResult> CloseThrough(DateOnly date);

    [ReadOnly]
    Task<DateOnly?> ClosedThrough();

    /// <summary>The first business day: the day Ates first started (known once a silo has started the clock).</summary>
    [ReadOnly]
    Task<DateOnly?> FirstDay();
}

/// <summary>
/// The audit of the books ("default"; docs/design.md "Proving the books"): re-derives from the task events what every ledger,
/// balance and day total must be and compares. Callers that ask while an audit runs share its answer.
/// </summary>
[Alias("ates.books-audit")]
public interface IBooksAuditGrain : IGrainWithStringKey
{
    /// <remarks>Reads the whole journal in pages; a million events take seconds, more than Orleans' default timeout on a slow day.</remarks>
    [ResponseTimeout("00:10:00")]
    Task<AuditDto> Check();
}

/// <summary>One business day of analytics (key "yyyy-MM-dd"): management earnings and the most expensive task.</summary>
[Alias("ates.analytics-day")]
public interface IAnalyticsDayGrain : IGrainWithStringKey
{
    [ReadOnly]
    Task<decimal> ManagementEarnings();

    [ReadOnly]
    Task<ExpensiveTask?> MostExpensive();
}

/// <summary>The latest balance of every account, for "how many are negative now" ("default").</summary>
[Alias("ates.balance-watch")]
public interface IBalanceWatchGrain : IGrainWithStringKey
{
    [ReadOnly]
    Task<int> NegativeBalances();
}

/// <summary>A user's notifications: tasks assigned to them, payouts.</summary>
[Alias("ates.inbox")]
public interface IInboxGrain : IGrainWithGuidKey
{
    [ReadOnly]
    Task<IReadOnlyList<NotificationDto>> List();
}

/// <summary>The integration feed's relay of one journal partition (key: its stream's, "relay#3").</summary>
[Alias("ates.integration-relay")]
public interface IIntegrationRelayGrain : IGrainWithStringKey, Ates.Journal.IJournalConsumer
{
}

/// <summary>Writes one journal partition's task events into the task board's rows (key: its stream's, "board#3").</summary>
[Alias("ates.task-board-writer")]
public interface ITaskBoardWriterGrain : IGrainWithStringKey, Ates.Journal.IJournalConsumer
{
}

public static class Singletons
{
    public const string Key = "default";
}
