using System.Collections.Concurrent;
using Ates.Journal;
using Microsoft.Data.Sqlite;

namespace Ates.Storage.Sqlite;

/// <summary>
/// Read-only connections beside the writer (WAL lets them read while it writes), each with the event reads prepared
/// once: an activation reads its stream, every commit is read by the silo's tail, and compiling the statement each
/// time cost about as much as running it.
/// </summary>
internal sealed class SqliteReaders(string connectionString) : IDisposable
{
    private readonly ConcurrentBag<Reader> _idle = [];

    public IReadOnlyList<JournalEvent> ReadStream(string streamId, long afterVersion, int maxCount)
    {
        var reader = Take();
        try
        {
            return reader.Read(reader.Stream, streamId, afterVersion, maxCount);
        }
        finally
        {
            _idle.Add(reader);
        }
    }

    public IReadOnlyList<JournalEvent> ReadLog(long afterPosition, int maxCount)
    {
        var reader = Take();
        try
        {
            return reader.Read(reader.Log, afterPosition, maxCount);
        }
        finally
        {
            _idle.Add(reader);
        }
    }

    public IReadOnlyList<JournalEvent> ReadPartition(int partition, long afterPosition, int maxCount)
    {
        var reader = Take();
        try
        {
            return reader.Read(reader.Partition, partition, afterPosition, maxCount);
        }
        finally
        {
            _idle.Add(reader);
        }
    }

    /// <summary>Any other read, on a connection of the pool.</summary>
    public T With<T>(Func<SqliteConnection, T> read)
    {
        var reader = Take();
        try
        {
            return read(reader.Connection);
        }
        finally
        {
            _idle.Add(reader);
        }
    }

    private Reader Take() => _idle.TryTake(out var reader) ? reader : new Reader(connectionString);

    public void Dispose()
    {
        while (_idle.TryTake(out var reader)) reader.Dispose();
    }

    private sealed class Reader : IDisposable
    {
        public Reader(string connectionString)
        {
            Connection = new SqliteConnection(connectionString);
            Connection.Open();
            Stream = Prepare(SqliteSql.ReadStream, "$stream_id", "$after", "$max");
            Log = Prepare(SqliteSql.ReadLog, "$after", "$max");
            Partition = Prepare(SqliteSql.ReadPartition, "$partition", "$after", "$max");
        }

        public SqliteConnection Connection { get; }

        public SqliteCommand Stream { get; }

        public SqliteCommand Log { get; }

        public SqliteCommand Partition { get; }

        private SqliteCommand Prepare(string sql, params string[] parameters)
        {
            var command = Connection.CreateCommand();
            command.CommandText = sql;
            foreach (var name in parameters) command.Parameters.Add(new SqliteParameter { ParameterName = name });
            command.Prepare();
            return command;
        }

        public IReadOnlyList<JournalEvent> Read(SqliteCommand command, params object[] values)
        {
            for (var i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i];
            using var r = command.ExecuteReader();
            var events = new List<JournalEvent>();
            while (r.Read())
            {
                events.Add(new JournalEvent(r.GetGuid(3), r.GetString(1), r.GetInt64(2), new JournalPosition(0, r.GetInt64(0)), r.GetString(4), r.GetInt32(5),
                    (byte[])r.GetValue(6),
                    new EventMetadata(SqliteTime.FromMicroseconds(r.GetInt64(7)), Text(r, 8), Text(r, 9), Text(r, 10), Text(r, 11))));
            }
            return events;
        }

        private static string? Text(SqliteDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);

        public void Dispose()
        {
            Stream.Dispose();
            Log.Dispose();
            Partition.Dispose();
            Connection.Dispose();
        }
    }
}
