namespace Ates.Storage.Postgres;

// Keys every silo of the cluster shares (the ASP.NET data-protection key ring).
public sealed partial class PostgresJournal
{
    public async Task StoreKeyAsync(string name, string value, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        await ExecuteAsync(PostgresSql.StoreKey, p =>
        {
            p.AddWithValue("name", name);
            p.AddWithValue("value", value);
        }, ct).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<(string Name, string Value)>> ReadKeysAsync(CancellationToken ct = default) =>
        QueryAsync<IReadOnlyList<(string, string)>>(PostgresSql.ReadKeys, _ => { }, async r =>
        {
            var keys = new List<(string, string)>();
            while (await r.ReadAsync(ct).ConfigureAwait(false)) keys.Add((r.GetString(0), r.GetString(1)));
            return keys;
        }, ct);
}
