using Ates.Grains.Interfaces;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Ates.Grains;
using Ates.Storage.Postgres;
using Ates.Testing;

namespace Ates.Cluster.Tests;

/// <summary>
/// Ates as an operator runs it on PostgreSQL: silo processes (Ates.Silo.dll) on one database, each with its own
/// HTTP, silo and gateway ports, the demo users seeded, clients signed in once and used through any silo.
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    private readonly Dictionary<string, string> _settings;
    private readonly Dictionary<string, string> _tokens = [];
    private readonly List<SiloProcess> _silos = [];
    private readonly Dictionary<SiloProcess, int> _siloPorts = [];
    private readonly List<SiloProcess> _frontends = [];

    private PostgresCluster(string database, IReadOnlyDictionary<string, string>? settings)
    {
        Database = database;
        _settings = new Dictionary<string, string>
        {
            ["Ates__Storage"] = "Postgres",
            ["ConnectionStrings__Ates"] = database,
            ["Ates__SeedDemoUsers"] = "true",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) _settings[key] = value;
    }

    public string Database { get; }

    /// <summary>Every silo started, in order, the stopped and killed ones included.</summary>
    public IReadOnlyList<SiloProcess> Silos => _silos;

    public IEnumerable<SiloProcess> Running => _silos.Where(s => !s.HasExited);

    /// <param name="database">A connection string; a new database on this test process's own server when null.</param>
    public static async Task<PostgresCluster> StartAsync(int silos, string? database = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        database ??= await (await PostgresTestServer.PrivateAsync()).CreateDatabaseAsync();
        var cluster = new PostgresCluster(database, settings);
        await cluster.AddSilosAsync(silos);
        return cluster;
    }

    /// <summary>Starts silos at once (as an orchestrator would) and waits until each is an active member.</summary>
    public async Task<IReadOnlyList<SiloProcess>> AddSilosAsync(int count, IReadOnlyDictionary<string, string>? overrides = null)
    {
        var started = Enumerable.Range(0, count).Select(_ => Start(overrides)).ToList();
        await Task.WhenAll(started.Select(s => s.WaitReadyAsync(TimeSpan.FromSeconds(90))));
        return started;
    }

    private SiloProcess Start(IReadOnlyDictionary<string, string>? overrides)
    {
        var siloPort = SiloProcess.FreePort();
        var environment = new Dictionary<string, string>(_settings)
        {
            ["Ates__Orleans__SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture),
            ["Ates__Orleans__GatewayPort"] = SiloProcess.FreePort().ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>()) environment[key] = value;
        var silo = SiloProcess.Start(environment);
        lock (_silos)
        {
            _silos.Add(silo);
            _siloPorts[silo] = siloPort;
        }
        return silo;
    }

    /// <summary>A separate frontend process (Ates.Client.dll): an Orleans client of this cluster, with the same settings.</summary>
    public async Task<SiloProcess> StartFrontendAsync()
    {
        var frontend = SiloProcess.Start(_settings, assembly: "Ates.Client.dll");
        _frontends.Add(frontend);
        await frontend.WaitReadyAsync(TimeSpan.FromSeconds(90));
        return frontend;
    }

    /// <summary>How Orleans' membership names this silo ("S127.0.0.1:{port}:{generation}") begins with this.</summary>
    public string AddressOf(SiloProcess silo) => $"S127.0.0.1:{_siloPorts[silo]}:";

    /// <summary>A client of <paramref name="through"/> signed in as a demo user ("admin", "manager", "worker0", …); one sign-in per user, used on every silo.</summary>
    public async Task<AtesClient> ClientAsync(string user, SiloProcess through)
    {
        if (!_tokens.TryGetValue(user, out var token))
        {
            using var response = await through.Http.PostAsJsonAsync("/api/auth/token", new { email = $"{user}@ates.local", password = user });
            response.EnsureSuccessStatusCode();
            _tokens[user] = token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
        }
        var http = new HttpClient { BaseAddress = new Uri(through.Url), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return new AtesClient(http);
    }

    /// <summary>GET /api/cluster as admin through <paramref name="through"/>.</summary>
    public async Task<JsonElement> StatusAsync(SiloProcess through)
    {
        var admin = await ClientAsync("admin", through);
        return await admin.Http.GetFromJsonAsync<JsonElement>("/api/cluster");
    }

    /// <summary>Whether <paramref name="through"/>'s membership says <paramref name="silo"/> is dead (false while it cannot answer).</summary>
    public async Task<bool> DeclaredDeadAsync(SiloProcess silo, SiloProcess through)
    {
        try
        {
            return (await StatusAsync(through)).GetProperty("silos").EnumerateArray().Any(s =>
                s.GetProperty("address").GetString()!.StartsWith(AddressOf(silo), StringComparison.Ordinal) && s.GetProperty("status").GetString() == "Dead");
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>Until every subscription has delivered every event in the journal (asked of a running silo every 100 ms).</summary>
    public async Task SettledAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                var status = await StatusAsync(Running.First());
                if (status.GetProperty("subscriptions").EnumerateArray().All(s => s.GetProperty("lag").GetInt64() == 0)) return;
            }
            catch (HttpRequestException)
            {
                // That silo is going away; ask again.
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The subscriptions did not catch up in {timeout}.");
            await Task.Delay(100); // another process's progress: nothing to await but its answer
        }
    }

    /// <summary>The money invariants over the whole journal (Grains/LedgerInvariants.cs), read directly from the database.</summary>
    public async Task<InvariantReport> InvariantsAsync()
    {
        await using var journal = await PostgresJournal.OpenAsync(new PostgresJournalOptions { ConnectionString = Database });
        return await LedgerInvariants.CheckAsync(journal, DomainEvents.Serializer());
    }

    /// <summary>
    /// The audit of the books (GET /api/accounting/audit) through <paramref name="through"/>, once billing's checkpoints
    /// have passed every task event (they move a moment after the lag the status shows reaches 0).
    /// </summary>
    public async Task<AuditDto> AuditAsync(SiloProcess through, TimeSpan? timeout = null)
    {
        var accountant = await ClientAsync("accountant", through);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var audit = await accountant.AuditAsync();
            if (audit.Pending == 0 || DateTime.UtcNow > deadline) return audit;
            await Task.Delay(100); // another process's checkpoints: nothing to await but its answer
        }
    }

    /// <summary>What a failed audit says, one difference a line.</summary>
    public static string Describe(AuditDto audit) =>
        $"audit: ok {audit.Ok}, {audit.Events} events, {audit.Tasks} tasks, {audit.Accounts} accounts, {audit.Days} days, {audit.Pending} pending, " +
        $"through {audit.CheckedThrough}; {audit.Differences.Count} differences" +
        string.Concat(audit.Differences.Take(20).Select(d => $"\n  {d.Kind} {d.Name} {d.Date}: {d.Detail}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var frontend in _frontends) await frontend.DisposeAsync();
        foreach (var silo in _silos) await silo.DisposeAsync();
    }
}
