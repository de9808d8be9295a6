using System.Globalization;
using Ates.Grains.Interfaces;

namespace Ates.Testing;

// The faults: what is injected, what replaces what died, how long recovery took, and the business midnight.
public sealed partial class ChaosRun
{
    private async Task InjectAsync(string kind)
    {
        switch (kind)
        {
            case KillSilo:
            {
                var victim = Pick();
                victim.Kill();
                Replace(victim);
                break;
            }
            case StopSilo:
            {
                var victim = Pick();
                await victim.SignalAsync("STOP");
                await Task.Delay(TimeSpan.FromSeconds(2 + _random.NextDouble() * 6)); // the freeze is the fault
                await victim.SignalAsync("CONT");
                break;
            }
            case CrashDatabase:
                await _server.CrashRestartAsync();
                break;
            case KillFrontend:
            {
                _frontend.Kill();
                var next = SiloProcess.Start(_settings, assembly: "Ates.Client.dll");
                lock (_gate)
                {
                    _retired.Add(_frontend);
                    _frontend = next;
                }
                break;
            }
        }
    }

    private SiloProcess Pick()
    {
        lock (_gate) return _silos[_random.Next(_silos.Count)];
    }

    private void Replace(SiloProcess gone)
    {
        var next = StartSilo();
        lock (_gate)
        {
            _silos.Remove(gone);
            _retired.Add(gone);
            _silos.Add(next);
        }
    }

    /// <summary>
    /// After a fault: every entry point serves a creation again (a silo that the cluster declared dead while it was
    /// frozen stops itself when it wakes, and is replaced). The time from the fault until the last of them did.
    /// </summary>
    private async Task<TimeSpan> RecoveredAsync(TimeSpan injected)
    {
        var served = new HashSet<SiloProcess>();
        while (_clock.Elapsed - injected < RecoveryCap)
        {
            foreach (var silo in EntryPoints().Where(s => s.HasExited && s != _frontend).ToList()) Replace(silo);
            var pending = EntryPoints().Where(e => !served.Contains(e)).ToList();
            if (pending.Count == 0) return _clock.Elapsed - injected;
            foreach (var entry in pending)
            {
                if (await CreateOnceAsync(entry)) served.Add(entry);
            }
        }
        return _clock.Elapsed - injected;
    }

    private async Task<bool> CreateOnceAsync(SiloProcess through)
    {
        try
        {
            var task = await Client("manager", through).CreateTaskAsync($"chaos probe {Guid.NewGuid():N}");
            _created[task.Id] = "probe";
            return true;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or AtesApiException)
        {
            await Task.Delay(100); // not serving yet: ask again
            return false;
        }
    }

    /// <summary>The day before the business midnight closes under the load: the time from midnight until it did.</summary>
    private async Task MidnightAsync(DateTimeOffset businessMidnight, CancellationToken stop)
    {
        var offset = TimeSpan.Parse(_settings["Ates__ClockOffset"], CultureInfo.InvariantCulture);
        var realMidnight = businessMidnight - offset;
        var wait = realMidnight - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero) await Task.Delay(wait, CancellationToken.None);
        var crossed = _clock.Elapsed;
        _log($"{crossed.TotalSeconds,6:F1} s  {Midnight}");
        var day = DateOnly.FromDateTime(businessMidnight.UtcDateTime.AddDays(-1));
        while (_clock.Elapsed - crossed < TimeSpan.FromMinutes(3))
        {
            try
            {
                var accountant = Client("accountant", AnyEntryPoint());
                if ((await accountant.DaysAsync(day, day)).Single().Closed)
                {
                    _recoveries.GetOrAdd(Midnight, _ => []).Add(_clock.Elapsed - crossed);
                    _log($"{_clock.Elapsed.TotalSeconds,6:F1} s  {BusinessCalendar.Key(day)} closed, {(_clock.Elapsed - crossed).TotalSeconds:F1} s after its midnight");
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or AtesApiException)
            {
                // an entry point down: ask another
            }
            await Task.Delay(500, CancellationToken.None); // the reminder's next tick is what we wait for; nothing to await
        }
        _recoveries.GetOrAdd(Midnight, _ => []).Add(TimeSpan.FromMinutes(3));
    }
}
