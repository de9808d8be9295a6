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
    ];

    public static void Migrate(SqliteConnection connection)
    {
        // WAL lets readers work beside the one writer; FULL syncs the WAL on every commit, so an acknowledged write is on disk.
        Execute(connection, "pragma journal_mode = wal; pragma synchronous = full; pragma foreign_keys = on;");
        using var tx = connection.BeginTransaction(deferred: false);
        using (var read = new SqliteCommand("pragma user_version", connection, tx))
        {
            var version = Convert.ToInt32(read.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            if (version > Migrations.Length)
                throw new InvalidOperationException($"The journal file is of schema version {version}; this Ates knows up to {Migrations.Length}. Run a newer Ates.");
            for (var v = version; v < Migrations.Length; v++)
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
