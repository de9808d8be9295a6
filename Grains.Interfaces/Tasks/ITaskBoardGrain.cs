using Orleans.Concurrency;

namespace Ates.Grains.Interfaces;

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
