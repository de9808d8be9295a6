using Ates.Runtime;

namespace Ates.Grains.Interfaces;

/// <summary>Users, their roles and password hashes, with an email index. One registry ("default") per cluster.</summary>
public interface IUserRegistryGrain : IGrainWithStringKey
{
    Task<UserDto> Register(string email, string name, string role, string passwordHash);

    Task<UserDto> ChangeRole(Guid userId, string role);

    [ReadOnly]
    Task<UserDto?> Get(Guid userId);

    [ReadOnly]
    Task<UserCredentials?> FindByEmail(string email);

    [ReadOnly]
    Task<IReadOnlyList<UserDto>> List();

    /// <summary>Users who may be given tasks now (rule: every role but admin and manager).</summary>
    [ReadOnly]
    Task<IReadOnlyList<Guid>> AssignableUserIds();
}

public interface ITaskGrain : IGrainWithGuidKey
{
    Task<TaskDto> Create(NewTask task, Guid createdBy);

    Task<TaskDto?> Get();

    Task<TaskDto> Complete(Guid actorId);

    /// <summary>Gives the task to <paramref name="assigneeId"/> for the shuffle, once per shuffle; false if done or already moved by it.</summary>
    Task<bool> Reassign(Guid assigneeId, Guid shuffleId);
}

/// <summary>Every task, for listing and for the shuffle. One board ("default"), read from the log.</summary>
public interface ITaskBoardGrain : IGrainWithStringKey
{
    Task<TaskPage> List(Guid? assigneeId, string? status, int limit, string? after);

    /// <summary>Reassigns every open task to a uniformly random assignable user (managers and admins only).</summary>
    Task<int> Shuffle(Guid actorId);
}

/// <summary>A user's account: a ledger of assign fees, rewards and payouts, fed by the billing subscription.</summary>
public interface IAccountGrain : IEventConsumer, IGrainWithGuidKey
{
    Task<AccountDto> Get();

    Task<IReadOnlyList<EntryDto>> Log(DateOnly? from, DateOnly? to);

    /// <summary>Pays a positive balance out to zero for the closed day; once per day, whatever happens.</summary>
    Task<PayoutResult> PayOut(DateOnly date);
}

/// <summary>One business day of accounting (key "yyyy-MM-dd"): totals from the ledger, and the day close.</summary>
public interface IBillingDayGrain : IEventConsumer, IGrainWithStringKey
{
    Task<DayDto> Get();

    Task<CloseDayResult> Close();
}

/// <summary>Closes each business day after it ends, by a reminder ("default").</summary>
public interface IBillingClockGrain : IGrainWithStringKey
{
    Task Start();

    Task<DateOnly?> ClosedThrough();
}

/// <summary>One business day of analytics (key "yyyy-MM-dd"): management earnings and the most expensive task.</summary>
public interface IAnalyticsDayGrain : IEventConsumer, IGrainWithStringKey
{
    Task<decimal> ManagementEarnings();

    Task<ExpensiveTask?> MostExpensive();
}

/// <summary>The latest balance of every account, for "how many are negative now" ("default").</summary>
public interface IBalanceWatchGrain : IEventConsumer, IGrainWithStringKey
{
    Task<int> NegativeBalances();
}

/// <summary>A user's notifications: tasks assigned to them, payouts.</summary>
public interface IInboxGrain : IEventConsumer, IGrainWithGuidKey
{
    Task<IReadOnlyList<NotificationDto>> List();
}

public static class Singletons
{
    public const string Key = "default";
}
