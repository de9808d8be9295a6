using Microsoft.Data.Sqlite;

namespace Ates.Storage.Sqlite;

/// <summary>The journal file's schema, migrated by version (SQLite's user_version) when the journal opens.</summary>
internal static class SqliteSchema
{
    private static readonly string[] Migrations =
    [
        // 1: the journal.
        """
        create table events (
            position        integer primary key,
            stream_id       text not null,
            stream_version  integer not null,
            event_id        blob not null unique,
            type            text not null,
            version         integer not null,
            data            blob not null,
            occurred_at     integer not null,
            correlation_id  text,
            causation_id    text,
            trace_parent    text,
            actor_user_id   text,
            unique (stream_id, stream_version)
        );
        create table subscriptions (
            name   text primary key,
            epoch  integer not null
        );
        create table checkpoints (
            subscription  text not null,
            queue         integer not null,
            epoch         integer not null,
            tx            integer not null,
            seq           integer not null,
            owner         text,
            updated_at    integer not null,
            primary key (subscription, queue)
        );
        create table dead_letters (
            id               blob primary key,
            subscription     text not null,
            target           text not null,
            event_id         blob not null,
            stream_id        text not null,
            stream_version   integer not null,
            tx               integer not null,
            seq              integer not null,
            type             text not null,
            error            text not null,
            attempts         integer not null,
            first_failed_at  integer not null,
            last_failed_at   integer not null,
            unique (subscription, event_id)
        );
        create table shared_keys (
            name   text primary key,
            value  text not null
        );
        """,

        // 2: partitions (JournalPartitions). Every event gets its stream's partition, and a subscription's queues become
        // the partitions. Checkpoints were per queue of target streams, each a place in the whole log: each
        // subscription's partitions start where its slowest old queue was (nothing skipped; what the faster ones had
        // delivered comes again, which consumers ignore), or from the start when a queue of the four had none.
        """
        alter table events add column partition integer not null default 0;
        update events set partition = ates_partition(stream_id);
        create index events_by_partition on events (partition, position);
        create temporary table old_checkpoints as
            select c.subscription, c.epoch, min(c.seq) as seq, count(*) as queues
            from checkpoints c
            where c.epoch = coalesce((select s.epoch from subscriptions s where s.name = c.subscription), 1)
            group by c.subscription, c.epoch;
        delete from checkpoints;
        insert into checkpoints (subscription, queue, epoch, tx, seq, owner, updated_at)
            select o.subscription, p.queue, o.epoch, 0, o.seq, 'migration', cast(strftime('%s', 'now') as integer) * 1000000
            from old_checkpoints o,
                 (with recursive n(queue) as (select 0 union all select queue + 1 from n where queue + 1 < 8) select queue from n) p
            where o.queues >= 4;
        drop table old_checkpoints;
        """,

        // 3: read models (the task board): rows a subscription keeps, and how far each partition is applied.
        """
        create table read_rows (
            model    text not null,
            key      text not null,
            version  integer not null,
            seq      integer not null,
            owner    text,
            state    text,
            text     text not null,
            data     blob not null,
            primary key (model, key)
        );
        create index read_rows_by_seq on read_rows (model, seq);
        create index read_rows_by_owner on read_rows (model, owner, seq);
        create index read_rows_by_state on read_rows (model, state, seq);
        create table read_progress (
            model      text not null,
            partition  integer not null,
            tx         integer not null,
            seq        integer not null,
            primary key (model, partition)
        );
        """,

        // 4: two more orders for read models (the task board sorts by fee and by reward); the board's rows already there
        // take theirs from the task each holds (JSON).
        """
        alter table read_rows add column rank_a real not null default 0;
        alter table read_rows add column rank_b real not null default 0;
        update read_rows set rank_a = coalesce(json_extract(cast(data as text), '$.assignFee'), 0),
                             rank_b = coalesce(json_extract(cast(data as text), '$.reward'), 0)
        where model = 'task-board';
        create index read_rows_by_rank_a on read_rows (model, rank_a, seq);
        create index read_rows_by_rank_b on read_rows (model, rank_b, seq);
        """,
    ];

    public static void Migrate(SqliteConnection connection) => Migrate(connection, Migrations.Length);

    /// <summary>Migrates up to schema version <paramref name="upTo"/> (tests build an older file with it).</summary>
    internal static void Migrate(SqliteConnection connection, int upTo)
    {
        // WAL lets readers work beside the one writer; FULL syncs the WAL on every commit, so an acknowledged write is on disk.
        Execute(connection, "pragma journal_mode = wal; pragma synchronous = full; pragma foreign_keys = on;");
        // What migration 2 computes for the events already there; the writer passes it with every new one.
        connection.CreateFunction("ates_partition", (string streamId) => Ates.Journal.JournalPartitions.Of(streamId), isDeterministic: true);
        using var tx = connection.BeginTransaction(deferred: false);
        using (var read = new SqliteCommand("pragma user_version", connection, tx))
        {
            var version = Convert.ToInt32(read.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            if (version > Migrations.Length)
                throw new InvalidOperationException($"The journal file is of schema version {version}; this Ates knows up to {Migrations.Length}. Run a newer Ates.");
            for (var v = version; v < upTo; v++)
            {
                using var migrate = new SqliteCommand(Migrations[v] + $"; pragma user_version = {v + 1};", connection, tx);
                migrate.ExecuteNonQuery();
            }
        }
        tx.Commit();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = new SqliteCommand(sql, connection);
        command.ExecuteNonQuery();
    }
}
