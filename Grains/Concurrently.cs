namespace Ates.Grains;

/// <summary>
/// Runs a grain call per item with at most <c>degree</c> in flight, from the calling grain's own scheduler (Parallel's
/// loops would run the bodies on the thread pool, outside the grain). Used where one grain fans out to thousands of
/// others: the shuffle, the day close.
/// </summary>
internal static class Concurrently
{
    public static async Task ForEachAsync<T>(IEnumerable<T> items, int degree, Func<T, Task> body)
    {
        using var enumerator = items.GetEnumerator();
        var inFlight = new List<Task>(degree);
        Task? failed = null;
        while (true)
        {
            while (inFlight.Count < degree && failed is null && enumerator.MoveNext()) inFlight.Add(body(enumerator.Current));
            if (inFlight.Count == 0) break;
            var done = await Task.WhenAny(inFlight);
            inFlight.Remove(done);
            if (done.IsFaulted || done.IsCanceled) failed ??= done;
        }
        if (failed is not null) await failed;
    }
}
