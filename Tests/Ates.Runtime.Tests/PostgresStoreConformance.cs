using Ates.Runtime.Storage.Postgres;
using Ates.Runtime.Testing;
using Npgsql;

namespace Ates.Runtime.Tests;

/// <summary>The conformance suite on a real PostgreSQL, a fresh database per test.</summary>
public sealed class PostgresStoreConformance : StoreConformance, IAsyncLifetime
{
    private readonly List<string> _databases = [];
    private PostgresTestServer _server = null!;

    public async Task InitializeAsync() => _server = await PostgresTestServer.SharedAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    protected override TimeSpan LeaseTtl => TimeSpan.FromSeconds(1);

    protected override IAtesStore OpenStore(int partitions = 4)
    {
        var database = _server.CreateDatabaseAsync().GetAwaiter().GetResult();
        _databases.Add(database);
        return PostgresStore.OpenAsync(new PostgresStoreOptions { ConnectionString = database, Partitions = partitions }, Time).GetAwaiter().GetResult();
    }

    /// <summary>The server ends the idle session of the abandoned silo after the TTL: wait for that, by asking it.</summary>
    protected override async Task LetLapseAsync(IAtesStore store, string siloId)
    {
        await using var connection = new NpgsqlConnection(_databases[^1]);
        await connection.OpenAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (true)
        {
            await using var command = new NpgsqlCommand("select count(*) from pg_stat_activity where application_name = @name", connection);
            command.Parameters.AddWithValue("name", $"ates-lease:{siloId}");
            if ((long)(await command.ExecuteScalarAsync(deadline.Token))! == 0) return;
            await Task.Delay(50, deadline.Token);
        }
    }

    /// <summary>The session's connection is ended by the server (as on a restart or a network cut); the silo has not noticed yet.</summary>
    protected override async Task LoseLeasesAsync(IAtesStore store, ILeaseSession session, string siloId)
    {
        await using var connection = new NpgsqlConnection(_databases[^1]);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select pg_terminate_backend(pid) from pg_stat_activity where application_name = @name", connection);
        command.Parameters.AddWithValue("name", $"ates-lease:{siloId}");
        await command.ExecuteNonQueryAsync();
        await LetLapseAsync(store, siloId);
    }
}
