namespace Ates.Storage.Postgres;

/// <summary>Every statement the PostgreSQL journal runs, named after what it does. Parameters only, never concatenation.</summary>
internal static class PostgresSql
{
    // Columns of an event row in the order PostgresJournal.ReadEvent expects them.
    private const string EventColumns =
        "position, tx, stream_id, stream_version, event_id, type, version, data, occurred_at, correlation_id, causation_id, trace_parent, actor_user_id";

    // The oldest transaction still running: every event below it has committed (or aborted) and none can appear there later.
    private const string VisibleTx = "tx < (select pg_snapshot_xmin(pg_current_snapshot()))";

    // A subscription that was never restarted is in epoch 1.
    private const string CurrentEpoch = "coalesce((select epoch from ates_subscriptions where subscription = @subscription), 1)";

    // ---- schema ----

    public const string LockMigrations = "select pg_advisory_xact_lock(7164031845201113002)";

    public const string CreateSchemaVersions =
        "create table if not exists ates_schema_versions (version int primary key, name text not null, applied_at timestamptz not null default now())";

    public const string ReadSchemaVersions = "select version from ates_schema_versions";

    public const string RecordSchemaVersion = "insert into ates_schema_versions (version, name) values (@version, @name) on conflict do nothing";

    // ---- appends ----

    /// <summary>
    /// One group commit: move the head of every stream whose expected version still holds (new streams are inserted,
    /// existing ones updated only from the expected version, and a concurrent writer's row lock makes the loser see
    /// the winner's version), then insert the events of the streams that moved, in request order.
    /// </summary>
    public const string AppendBatch = """
        with req as (
            select * from unnest(@req_streams::text[], @req_expected::bigint[], @req_counts::bigint[]) as r(stream_id, expected, count)
        ), created as (
            insert into ates_streams (stream_id, version)
            select stream_id, count from req where expected = 0
            on conflict (stream_id) do nothing
            returning stream_id
        ), moved as (
            update ates_streams s set version = r.expected + r.count
            from req r
            where r.expected > 0 and s.stream_id = r.stream_id and s.version = r.expected
            returning s.stream_id
        ), won as (
            select stream_id from created union all select stream_id from moved
        )
        insert into ates_events (stream_id, stream_version, event_id, type, version, data, occurred_at, correlation_id, causation_id, trace_parent, actor_user_id)
        select e.stream_id, e.stream_version, e.event_id, e.type, e.version, e.data, e.occurred_at, e.correlation_id, e.causation_id, e.trace_parent, e.actor_user_id
        from unnest(@stream_ids::text[], @stream_versions::bigint[], @event_ids::uuid[], @types::text[], @versions::int[], @data::bytea[],
                    @occurred_at::timestamptz[], @correlation_ids::text[], @causation_ids::text[], @trace_parents::text[], @actor_user_ids::text[])
             with ordinality as e(stream_id, stream_version, event_id, type, version, data, occurred_at, correlation_id, causation_id, trace_parent, actor_user_id, ordinal)
        where e.stream_id in (select stream_id from won)
        order by e.ordinal
        returning stream_id, stream_version, position, tx
        """;

    /// <summary>After a commit that went unanswered: where the given events landed, if they did.</summary>
    public const string ReadLandedEvents = "select event_id, stream_id, stream_version, position, tx from ates_events where event_id = any(@event_ids)";

    public const string ReadStreamVersions = "select stream_id, version from ates_streams where stream_id = any(@stream_ids)";

    // ---- wake-ups ----

    /// <summary>LISTEN takes no parameters: the channel (configuration, not input) is quoted as an identifier.</summary>
    public static string Listen(string channel) => $"listen \"{channel.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    public const string NotifyCommitted = "select pg_notify(@channel, @payload)";

    /// <summary>Whether a LISTEN connection that heard nothing for a while is still there.</summary>
    public const string Probe = "select 1";

    // ---- reads ----

    public const string ReadStream = $"select {EventColumns} from ates_events where stream_id = @stream_id and stream_version > @after order by stream_version limit @max";

    public const string ReadLog = $"""
        select {EventColumns} from ates_events
        where (tx, position) > (@tx, @position) and {VisibleTx}
        order by tx, position limit @max
        """;

    public const string ReadHead = $"select tx, position from ates_events where {VisibleTx} order by tx desc, position desc limit 1";

    /// <summary>
    /// One partition's page: the row comparison over the leading columns of ates_events_by_partition (partition, tx,
    /// position) is the index range, the equality keeps it to the partition.
    /// </summary>
    public const string ReadPartition = $"""
        select {EventColumns} from ates_events
        where (partition, tx, position) > (@partition, @tx, @position) and partition = @partition and {VisibleTx}
        order by partition, tx, position limit @max
        """;

    // ---- subscriptions ----

    public const string ReadEpoch = $"select {CurrentEpoch}";

    public const string ReadCheckpoint = $"""
        select e.epoch, c.tx, c.position, c.owner, c.updated_at
        from (select {CurrentEpoch} as epoch) e
        left join ates_checkpoints c on c.subscription = @subscription and c.queue = @queue and c.epoch = e.epoch
        """;

    public const string ReadCheckpoints = $"""
        select queue, epoch, tx, position, owner, updated_at from ates_checkpoints
        where subscription = @subscription and epoch = {CurrentEpoch}
        order by queue
        """;

    /// <summary>
    /// Moves a checkpoint forward in one statement: only in the subscription's current epoch, and only past the stored
    /// position (a row of an older epoch is replaced). Concurrent moves of one row queue on its lock and each re-checks
    /// the position it finds, so the furthest wins. One row affected = moved.
    /// </summary>
    public const string AdvanceCheckpoint = $"""
        insert into ates_checkpoints (subscription, queue, epoch, tx, position, owner, updated_at)
        select @subscription, @queue, @epoch, @tx, @position, @owner, now()
        where {CurrentEpoch} = @epoch
        on conflict (subscription, queue) do update set
            epoch = excluded.epoch, tx = excluded.tx, position = excluded.position, owner = excluded.owner, updated_at = excluded.updated_at
        where ates_checkpoints.epoch < excluded.epoch
           or (ates_checkpoints.epoch = excluded.epoch and (ates_checkpoints.tx, ates_checkpoints.position) < (excluded.tx, excluded.position))
        """;

    /// <summary>Bumps the epoch (1 → 2 for a subscription never restarted) and forgets every checkpoint, in one transaction.</summary>
    public const string RestartSubscription = """
        with bumped as (
            insert into ates_subscriptions (subscription, epoch) values (@subscription, 2)
            on conflict (subscription) do update set epoch = ates_subscriptions.epoch + 1
            returning epoch
        ), cleared as (
            delete from ates_checkpoints where subscription = @subscription
        )
        select epoch from bumped
        """;

    // ---- dead letters ----

    /// <summary>Parks an event, or updates its entry: the first failure's time and the entry's id stay, attempts add up.</summary>
    public const string ParkDeadLetter = """
        insert into ates_dead_letters (id, subscription, target, event_id, stream_id, stream_version, tx, position, type, error, attempts, first_failed_at, last_failed_at)
        values (@id, @subscription, @target, @event_id, @stream_id, @stream_version, @tx, @position, @type, @error, @attempts, @first_failed_at, @last_failed_at)
        on conflict (subscription, event_id) do update set
            target = excluded.target, stream_id = excluded.stream_id, stream_version = excluded.stream_version, tx = excluded.tx,
            position = excluded.position, type = excluded.type, error = excluded.error,
            attempts = ates_dead_letters.attempts + excluded.attempts, last_failed_at = excluded.last_failed_at
        """;

    public const string ReadDeadLetters = """
        select id, subscription, target, event_id, stream_id, stream_version, tx, position, type, error, attempts, first_failed_at, last_failed_at
        from ates_dead_letters order by tx, position, subscription collate "C"
        """;

    public const string RemoveDeadLetter = "delete from ates_dead_letters where id = @id";

    // ---- shared keys ----

    public const string StoreKey = "insert into ates_shared_keys (name, value) values (@name, @value) on conflict (name) do update set value = excluded.value";

    public const string ReadKeys = "select name, value from ates_shared_keys order by name collate \"C\"";

    // ---- read models ----

    private const string RowColumns = "model, key, version, seq, owner, state, text, data, rank_a, rank_b";

    /// <summary>
    /// Rows (one per key in a call), each only where newer than the stored one, and the partition's progress, never
    /// backwards, in one statement.
    /// </summary>
    public const string ApplyReadRows = """
        with rows as (
            insert into ates_read_rows (model, key, version, seq, owner, state, text, data, rank_a, rank_b)
            select @model, r.key, r.version, r.seq, r.owner, r.state, r.text, r.data, r.rank_a, r.rank_b
            from unnest(@keys::text[], @versions::bigint[], @seqs::bigint[], @owners::text[], @states::text[], @texts::text[], @data::bytea[],
                        @ranks_a::numeric[], @ranks_b::numeric[])
                 as r(key, version, seq, owner, state, text, data, rank_a, rank_b)
            on conflict (model, key) do update set version = excluded.version, seq = excluded.seq, owner = excluded.owner, state = excluded.state,
                text = excluded.text, data = excluded.data, rank_a = excluded.rank_a, rank_b = excluded.rank_b
            where ates_read_rows.version < excluded.version
            returning 1
        )
        insert into ates_read_progress (model, partition, tx, position) values (@model, @partition, @tx, @position)
        on conflict (model, partition) do update set tx = excluded.tx, position = excluded.position
        where (ates_read_progress.tx, ates_read_progress.position) < (excluded.tx, excluded.position)
        """;

    public const string ReadProgress = "select partition, tx, position from ates_read_progress where model = @model";

    public const string ReadRowsByKey = $"select {RowColumns} from ates_read_rows where model = @model and key = any(@keys)";

    /// <summary>What a query and a count of read rows filter on: every word (lower case, as the text is) somewhere in the text.</summary>
    private const string ReadRowsMatching = """
        where model = @model and (@owner::text is null or owner = @owner) and (@state::text is null or state = @state)
          and not exists (select 1 from unnest(@words::text[]) w where strpos(text, w) = 0)
        """;

    /// <summary>Newest first, after the previous page's last row.</summary>
    public const string QueryReadRows = $"""
        select {RowColumns} from ates_read_rows {ReadRowsMatching} and (@before::bigint is null or seq < @before)
        order by seq desc limit @limit
        """;

    /// <summary>Highest rank first, then newest, after the previous page's last row (its rank and seq).</summary>
    private static string QueryReadRowsByRank(string column) => $"""
        select {RowColumns} from ates_read_rows {ReadRowsMatching}
          and (@before::bigint is null or ({column}, seq) < (@before_rank::numeric, @before))
        order by {column} desc, seq desc limit @limit
        """;

    public static readonly string QueryReadRowsByRankA = QueryReadRowsByRank("rank_a");

    public static readonly string QueryReadRowsByRankB = QueryReadRowsByRank("rank_b");

    public const string CountReadRows = $"select count(*) from ates_read_rows {ReadRowsMatching}";

    public const string ReadRowKeysInState = "select key from ates_read_rows where model = @model and state = @state";
}
