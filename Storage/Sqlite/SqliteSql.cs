namespace Ates.Storage.Sqlite;

/// <summary>Every statement the SQLite journal runs, named after what it does.</summary>
internal static class SqliteSql
{
    private const string EventColumns =
        "position, stream_id, stream_version, event_id, type, version, data, occurred_at, correlation_id, causation_id, trace_parent, actor_user_id";

    public const string ReadStreamVersion = "select coalesce(max(stream_version), 0) from events where stream_id = $stream_id";

    public const string InsertEvent = """
        insert into events (stream_id, stream_version, event_id, type, version, data, occurred_at, correlation_id, causation_id, trace_parent, actor_user_id, partition)
        values ($stream_id, $stream_version, $event_id, $type, $version, $data, $occurred_at, $correlation_id, $causation_id, $trace_parent, $actor_user_id, $partition)
        returning position
        """;

    public const string ReadStream = $"select {EventColumns} from events where stream_id = $stream_id and stream_version > $after order by stream_version limit $max";

    public const string ReadLog = $"select {EventColumns} from events where position > $after order by position limit $max";

    public const string ReadPartition = $"select {EventColumns} from events where partition = $partition and position > $after order by position limit $max";

    public const string ReadHead = "select coalesce(max(position), 0) from events";

    public const string ReadEpoch = "select epoch from subscriptions where name = $subscription";

    public const string SetEpoch = """
        insert into subscriptions (name, epoch) values ($subscription, $epoch)
        on conflict (name) do update set epoch = excluded.epoch
        """;

    public const string DeleteCheckpoints = "delete from checkpoints where subscription = $subscription";

    // Forward only, and only for the subscription's current epoch (1 until it is first rebuilt).
    public const string AdvanceCheckpoint = """
        insert into checkpoints (subscription, queue, epoch, tx, seq, owner, updated_at)
        select $subscription, $queue, $epoch, $tx, $seq, $owner, $updated_at
        where $epoch = coalesce((select epoch from subscriptions where name = $subscription), 1)
        on conflict (subscription, queue) do update set tx = excluded.tx, seq = excluded.seq, owner = excluded.owner, updated_at = excluded.updated_at
        where (excluded.tx, excluded.seq) > (checkpoints.tx, checkpoints.seq)
        """;

    public const string ReadCheckpoint = "select queue, tx, seq, owner, updated_at from checkpoints where subscription = $subscription and epoch = $epoch and queue = $queue";

    public const string ReadCheckpoints = "select queue, tx, seq, owner, updated_at from checkpoints where subscription = $subscription and epoch = $epoch order by queue";

    // Parking the same event for the same subscription again keeps the entry's id and first failure, and counts the attempt.
    public const string ParkDeadLetter = """
        insert into dead_letters (id, subscription, target, event_id, stream_id, stream_version, tx, seq, type, error, attempts, first_failed_at, last_failed_at)
        values ($id, $subscription, $target, $event_id, $stream_id, $stream_version, $tx, $seq, $type, $error, $attempts, $first_failed_at, $last_failed_at)
        on conflict (subscription, event_id) do update set
            target = excluded.target, error = excluded.error, attempts = dead_letters.attempts + excluded.attempts, last_failed_at = excluded.last_failed_at
        """;

    public const string ListDeadLetters = """
        select id, subscription, target, event_id, stream_id, stream_version, tx, seq, type, error, attempts, first_failed_at, last_failed_at
        from dead_letters order by tx, seq, subscription
        """;

    public const string RemoveDeadLetter = "delete from dead_letters where id = $id";

    public const string StoreKey = "insert into shared_keys (name, value) values ($name, $value) on conflict (name) do update set value = excluded.value";

    public const string ReadKeys = "select name, value from shared_keys order by name";

    // ---- read models ----

    private const string RowColumns = "model, key, version, seq, owner, state, text, data, rank_a, rank_b";

    /// <summary>A row moves only forward: a stored row of a newer version stays.</summary>
    public const string UpsertReadRow = """
        insert into read_rows (model, key, version, seq, owner, state, text, data, rank_a, rank_b)
        values ($model, $key, $version, $seq, $owner, $state, $text, $data, $rank_a, $rank_b)
        on conflict (model, key) do update set version = excluded.version, seq = excluded.seq, owner = excluded.owner, state = excluded.state,
            text = excluded.text, data = excluded.data, rank_a = excluded.rank_a, rank_b = excluded.rank_b
        where excluded.version > read_rows.version
        """;

    public const string AdvanceReadProgress = """
        insert into read_progress (model, partition, tx, seq) values ($model, $partition, $tx, $seq)
        on conflict (model, partition) do update set tx = excluded.tx, seq = excluded.seq
        where (excluded.tx, excluded.seq) > (read_progress.tx, read_progress.seq)
        """;

    public const string ReadProgress = "select partition, tx, seq from read_progress where model = $model";

    public const string ReadRowsByKey = $"select {RowColumns} from read_rows where model = $model and key in (select value from json_each($keys))";

    /// <summary>What a query and a count of read rows filter on: every word (lower case, as the text is) somewhere in the text.</summary>
    private const string ReadRowsMatching = """
        where model = $model and ($owner is null or owner = $owner) and ($state is null or state = $state)
          and not exists (select 1 from json_each($words) w where instr(text, w.value) = 0)
        """;

    /// <summary>Newest first, after the previous page's last row.</summary>
    public const string QueryReadRows = $"""
        select {RowColumns} from read_rows {ReadRowsMatching} and ($before is null or seq < $before)
        order by seq desc limit $limit
        """;

    /// <summary>Highest rank first, then newest, after the previous page's last row (its rank and seq).</summary>
    public static string QueryReadRowsByRank(string column) => $"""
        select {RowColumns} from read_rows {ReadRowsMatching} and ($before is null or ({column}, seq) < ($before_rank, $before))
        order by {column} desc, seq desc limit $limit
        """;

    public static readonly string QueryReadRowsByRankA = QueryReadRowsByRank("rank_a");

    public static readonly string QueryReadRowsByRankB = QueryReadRowsByRank("rank_b");

    public const string CountReadRows = $"select count(*) from read_rows {ReadRowsMatching}";

    public const string ReadRowKeysInState = "select key from read_rows where model = $model and state = $state";
}
