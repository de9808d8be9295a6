using System.Runtime.ExceptionServices;

namespace Ates.Grains;

/// <summary>
/// Runs a call per item with at most <c>degree</c> in flight, from the calling grain's own scheduler (Parallel's loops
/// would run the bodies on the thread pool, outside the grain). Used where one grain fans out to thousands of items:
/// the shuffle, the day close. After a failure no new item starts; the first failure is thrown once the rest ended.
/// </summary>
internal static class Concurrently
{
    public static async Task ForEachAsync<T>(IEnumerable<T> items, int degree, Func<T, Task> body)
    {
        using var slots = new SemaphoreSlim(degree);
        var running = new List<Task>();
        Exception? failure = null;
        foreach (var item in items)
        {
            await slots.WaitAsync();
            if (failure is not null)
            {
                slots.Release();
                break;
            }
            running.Add(RunAsync(item));
        }
        await Task.WhenAll(running);
        if (failure is not null) ExceptionDispatchInfo.Throw(failure);

        async Task RunAsync(T item)
        {
            try
            {
                await body(item);
            }
            catch (Exception ex)
            {
                failure ??= ex; // the grain's scheduler runs one continuation at a time
            }
            finally
            {
                slots.Release();
            }
        }
    }
}
