namespace Ates.Runtime.Storage.Postgres;

/// <summary>Every statement the Postgres provider runs, named after what it does. Parameters only, never concatenation.</summary>
internal static class PostgresSql
{
    // Columns of an event row in the order ReadEvent expects them.
    private const string EventColumns =
        "position, tx, stream_id, stream_version, partition, event_id, type, version, data, occurred_at, correlation_id, causation_id, trace_parent, actor_user_id";

    // The oldest transaction still running: every event below it has committed (or aborted) and none can appear there later.
    private const string VisibleTx = "tx < (select pg_snapshot_xmin(pg_current_snapshot()))";

    public const string LockMigrations = "select pg_advisory_xact_lock(7164031845201113001)";

    public const string CreateSchemaVersions =
        "create table if not exists ates_schema_versions (version int primary key, name text not null, applied_at timestamptz not null default now())";

    public const string ReadSchemaVersions = "select version from ates_schema_versions";

    public const string RecordSchemaVersion = "insert into ates_schema_versions (version, name) values (@version, @name) on conflict do nothing";

    public const string ClaimPartitions =
        "insert into ates_settings (name, value) values ('partitions', @partitions) on conflict (name) do nothing; select value from ates_settings where name = 'partitions'";

    /// <summary>
    /// One group commit: move the head of every stream whose expected version still holds (new streams are inserted,
    /// existing ones updated only from the expected version, and a concurrent writer's row lock makes the loser see
    /// the winner's version), then insert the events of the streams that moved, in request order.
    /// </summary>
    public const string AppendBatch = $"""
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
        insert into ates_events (stream_id, stream_version, partition, event_id, type, version, data, occurred_at, correlation_id, causation_id, trace_parent, actor_user_id)
        select e.stream_id, e.stream_version, e.partition, e.event_id, e.type, e.version, e.data, e.occurred_at, e.correlation_id, e.causation_id, e.trace_parent, e.actor_user_id
        from unnest(@stream_ids::text[], @stream_versions::bigint[], @partitions::int[], @event_ids::uuid[], @types::text[], @versions::int[], @data::bytea[],
                    @occurred_at::timestamptz[], @correlation_ids::text[], @causation_ids::text[], @trace_parents::text[], @actor_user_ids::text[])
             with ordinality as e(stream_id, stream_version, partition, event_id, type, version, data, occurred_at, correlation_id, causation_id, trace_parent, actor_user_id, ordinal)
        where e.stream_id in (select stream_id from won)
        order by e.ordinal
        returning stream_id, stream_version, position, tx
        """;

    /// <summary>After a broken commit: which appends landed, judged by their last event.</summary>
    public const string ReadLastEventsOfAppends = """
        select stream_id, stream_version, event_id, position, tx from ates_events
        where (stream_id, stream_version) in (select * from unnest(@ids::text[], @versions::bigint[]))
        """;

    public const string ReadStreamVersions = "select stream_id, version from ates_streams where stream_id = any(@stream_ids)";

    /// <summary>LISTEN takes no parameters: the channel (configuration, not input) is quoted as an identifier.</summary>
    public static string Listen(string channel) => $"listen \"{channel.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    public const string NotifyCommitted = "select pg_notify(@channel, @payload)";

    public const string ReadStream = $"select {EventColumns} from ates_events where stream_id = @stream_id and stream_version > @after order by stream_version limit @max";

    public const string ReadEvent = $"select {EventColumns} from ates_events where stream_id = @stream_id and stream_version = @version";

    public const string ReadPartition = $"""
        select {EventColumns} from ates_events
        where partition = @partition and (tx, position) > (@tx, @position) and {VisibleTx}
        order by tx, position limit @max
        """;

    public const string ReadAll = $"""
        select {EventColumns} from ates_events
        where (tx, position) > (@tx, @position) and {VisibleTx}
        order by tx, position limit @max
        """;

    public const string ReadHead = $"select tx, position from ates_events where {VisibleTx} order by tx desc, position desc limit 1";

    /// <summary>An activation's load in one statement (one snapshot of the database): the snapshot row, then the events after it.</summary>
    public const string ReadSnapshotAndStream = $"""
        with snap as (select version, state from ates_snapshots where stream_id = @stream_id)
        select 0 as kind, snap.version, snap.state, null::bigint, null::xid8, null::text, null::bigint, null::int, null::uuid, null::text, null::int, null::bytea,
               null::timestamptz, null::text, null::text, null::text, null::text
        from snap
        union all
        (select 1, null, null, {EventColumns} from ates_events
         where stream_id = @stream_id and stream_version > coalesce((select version from snap), 0)
         order by stream_version limit @max)
        """;

    public const string ReadSnapshot = "select version, state from ates_snapshots where stream_id = @stream_id";

    public const string WriteSnapshot = """
        insert into ates_snapshots (stream_id, version, state) values (@stream_id, @version, @state)
        on conflict (stream_id) do update set version = excluded.version, state = excluded.state
        where ates_snapshots.version < excluded.version
        """;

    public const string ReadCheckpoint = "select tx, position from ates_checkpoints where subscription = @subscription and partition = @partition";

    /// <summary>
    /// Moves a batch of checkpoints in one statement (one commit for every pump of the silo): each only from its
    /// expected position (no row yet = the start of the log) and only while the asking session still holds the lease's
    /// advisory lock (pg_locks shows a bigint key as two halves; a zero pid means no fence). Returns the moved ones.
    /// </summary>
    public const string MoveCheckpoints = """
        with req as (
            select * from unnest(@subscriptions::text[], @partitions::int[], @txs::bigint[], @positions::bigint[], @next_txs::bigint[],
                                 @next_positions::bigint[], @fence_pids::int[], @fence_his::bigint[], @fence_los::bigint[])
                as r(subscription, partition, tx, position, next_tx, next_position, fence_pid, fence_hi, fence_lo)
        ), held as materialized (
            select pid, classid, objid from pg_locks where locktype = 'advisory' and granted and objsubid = 1
        ), fenced as (
            select * from req r
            where r.fence_pid = 0 or exists (select 1 from held h where h.pid = r.fence_pid and h.classid = r.fence_hi::oid and h.objid = r.fence_lo::oid)
        ), moved as (
            update ates_checkpoints c set tx = f.next_tx, position = f.next_position
            from fenced f
            where (f.tx, f.position) <> (0, 0) and c.subscription = f.subscription and c.partition = f.partition
              and c.tx = f.tx and c.position = f.position
            returning c.subscription, c.partition
        ), created as (
            insert into ates_checkpoints (subscription, partition, tx, position)
            select subscription, partition, next_tx, next_position from fenced where (tx, position) = (0, 0)
            on conflict (subscription, partition) do nothing
            returning subscription, partition
        )
        select subscription, partition from moved union all select subscription, partition from created
        """;

    public const string ResetCheckpoints = "delete from ates_checkpoints where subscription = @subscription";

    public const string ParkDeadLetter = """
        insert into ates_dead_letters (id, subscription, partition, event_id, stream_id, stream_version, tx, position, type, error, attempts, first_failed_at, last_failed_at)
        values (@id, @subscription, @partition, @event_id, @stream_id, @stream_version, @tx, @position, @type, @error, @attempts, @first_failed_at, @last_failed_at)
        on conflict (subscription, event_id) do update set
            id = excluded.id, partition = excluded.partition, stream_id = excluded.stream_id, stream_version = excluded.stream_version,
            tx = excluded.tx, position = excluded.position, type = excluded.type, error = excluded.error, attempts = excluded.attempts,
            first_failed_at = excluded.first_failed_at, last_failed_at = excluded.last_failed_at
        """;

    public const string ReadDeadLetters = """
        select id, subscription, partition, event_id, stream_id, stream_version, tx, position, type, error, attempts, first_failed_at, last_failed_at
        from ates_dead_letters order by first_failed_at, tx, position
        """;

    public const string RemoveDeadLetter = "delete from ates_dead_letters where id = @id";

    private const string ReminderColumns = "grain_type, grain_key, name, due_at, period_ms, etag";

    public const string UpsertReminder = """
        insert into ates_reminders (grain_type, grain_key, name, partition, due_at, period_ms, etag)
        values (@grain_type, @grain_key, @name, @partition, @due_at, @period_ms, @etag)
        on conflict (grain_type, grain_key, name) do update set due_at = excluded.due_at, period_ms = excluded.period_ms, etag = excluded.etag
        """;

    public const string UpdateReminder = """
        update ates_reminders set due_at = @due_at, period_ms = @period_ms, etag = @etag
        where grain_type = @grain_type and grain_key = @grain_key and name = @name and etag = @expected_etag
        """;

    public const string RemoveReminder =
        "delete from ates_reminders where grain_type = @grain_type and grain_key = @grain_key and name = @name and (@any_etag or etag = @expected_etag)";

    public const string ReadRemindersOfPartition = $"select {ReminderColumns} from ates_reminders where partition = @partition";

    public const string ReadRemindersOfGrain = $"select {ReminderColumns} from ates_reminders where grain_type = @grain_type and grain_key = @grain_key";

    public const string UpsertSilo = """
        insert into ates_silos (silo_id, address, started_at, heartbeat_at, status) values (@silo_id, @address, @started_at, @heartbeat_at, @status)
        on conflict (silo_id) do update set address = excluded.address, started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at, status = excluded.status
        """;

    public const string ReadSilos = "select silo_id, address, started_at, heartbeat_at, status from ates_silos order by started_at, silo_id";

    public const string StoreKey = "insert into ates_shared_keys (name, value) values (@name, @value) on conflict (name) do update set value = excluded.value";

    public const string ReadKeys = "select name, value from ates_shared_keys order by name";

    public const string TryLock = "select pg_try_advisory_lock(@key)";

    public const string Unlock = "select pg_advisory_unlock(@key)";

    public const string ReadHeldLocks =
        "select (classid::bigint << 32) | objid::bigint from pg_locks where locktype = 'advisory' and granted and objsubid = 1 and pid = pg_backend_pid()";
}
