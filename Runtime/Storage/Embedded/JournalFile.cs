using System.Buffers.Binary;
using Microsoft.Extensions.Logging;

namespace Ates.Runtime.Storage.Embedded;

/// <summary>
/// An append-only file of checksummed frames ([length][crc32c][payload]), group-committed: a dedicated thread writes
/// everything queued since its last fsync, fsyncs once, then acknowledges the whole batch. Replay stops at the first
/// frame that is short or fails its checksum (a torn tail from a crash mid-write) and cuts the file there.
/// </summary>
internal sealed class JournalFile : IDisposable
{
    private const int FrameHeader = 8;
    private const int MaxFrame = 256 * 1024 * 1024;
    private static ReadOnlySpan<byte> Magic => "ATESJRN1"u8;

    private readonly FileStream _file;
    private readonly bool _fsync;
    private readonly object _queueLock = new();
    private List<Pending> _queue = [];
    private readonly Thread _writer;
    private bool _closing;
    private Exception? _fault;

    private JournalFile(FileStream file, bool fsync)
    {
        _file = file;
        _fsync = fsync;
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "ates-journal" };
        _writer.Start();
    }

    public long Batches { get; private set; }

    /// <summary>True after a failed write or fsync: nothing more is written, and the store refuses every change.</summary>
    public bool IsFaulted
    {
        get
        {
            lock (_queueLock) return _fault is not null;
        }
    }

    /// <summary>Opens (or creates) the journal, hands every valid payload to <paramref name="replay"/> in order, and cuts a torn tail.</summary>
    public static JournalFile Open(string path, int partitions, bool fsync, Action<ReadOnlyMemory<byte>> replay, ILogger logger)
    {
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1 << 16);
        try
        {
            var header = new byte[12];
            Magic.CopyTo(header);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), partitions);
            if (file.Length < header.Length)
            {
                // New, or a header torn before anything else could be written.
                file.SetLength(0);
                file.Write(header);
                file.Flush(flushToDisk: true);
            }
            else
            {
                var existing = new byte[header.Length];
                file.ReadExactly(existing);
                if (!existing.AsSpan(0, 8).SequenceEqual(Magic))
                    throw new InvalidDataException($"{path} is not an Ates journal.");
                var storedPartitions = BinaryPrimitives.ReadInt32LittleEndian(existing.AsSpan(8));
                if (storedPartitions != partitions)
                    throw new InvalidOperationException($"{path} was written with {storedPartitions} partitions; this silo is configured with {partitions}. Partitions cannot change once a store holds data.");
                var end = ReplayFrames(file, replay);
                if (end < file.Length)
                {
                    logger.LogWarning("Journal {Path}: dropped a torn tail of {Bytes} bytes at offset {Offset}", path, file.Length - end, end);
                    file.SetLength(end);
                    file.Flush(flushToDisk: true);
                }
            }
            file.Seek(0, SeekOrigin.End);
            return new JournalFile(file, fsync);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static long ReplayFrames(FileStream file, Action<ReadOnlyMemory<byte>> replay)
    {
        var good = file.Position;
        var header = new byte[FrameHeader];
        var buffer = new byte[1 << 16];
        while (true)
        {
            if (file.Read(header) < FrameHeader) return good;
            var length = BinaryPrimitives.ReadInt32LittleEndian(header);
            var crc = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
            if (length <= 0 || length > MaxFrame || good + FrameHeader + length > file.Length) return good;
            if (buffer.Length < length) buffer = new byte[Math.Max(length, buffer.Length * 2)];
            file.ReadExactly(buffer, 0, length);
            if (Crc32C.Compute(buffer.AsSpan(0, length)) != crc) return good;
            // The buffer is reused: replay must copy what it keeps.
            replay(buffer.AsMemory(0, length));
            good += FrameHeader + length;
        }
    }

    /// <summary>Queues a payload; the task completes when it is on disk (fsynced), in queue order.</summary>
    public Task AppendAsync(byte[] payload)
    {
        var frame = new byte[FrameHeader + payload.Length];
        BinaryPrimitives.WriteInt32LittleEndian(frame, payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(4), Crc32C.Compute(payload));
        payload.CopyTo(frame, FrameHeader);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_queueLock)
        {
            if (_fault is not null) return Task.FromException(new StoreUnavailableException("The journal failed an earlier write; restart the silo.", _fault));
            if (_closing) return Task.FromException(new StoreUnavailableException("The journal is closed."));
            _queue.Add(new Pending(frame, done));
            if (_queue.Count == 1) Monitor.Pulse(_queueLock);
        }
        return done.Task;
    }

    private void WriteLoop()
    {
        var batch = new List<Pending>();
        while (true)
        {
            lock (_queueLock)
            {
                while (_queue.Count == 0 && !_closing) Monitor.Wait(_queueLock);
                if (_queue.Count == 0) return;
                (batch, _queue) = (_queue, batch);
            }

            Exception? earlier;
            lock (_queueLock) earlier = _fault;
            if (earlier is not null)
            {
                // Frames queued behind a failed one must never reach the disk: replay would cut them off after acknowledging them.
                foreach (var pending in batch) pending.Done.SetException(new StoreUnavailableException("The journal failed an earlier write; restart the silo.", earlier));
                batch.Clear();
                continue;
            }

            try
            {
                foreach (var pending in batch) _file.Write(pending.Frame);
                _file.Flush(flushToDisk: _fsync);
                Batches++;
                foreach (var pending in batch) pending.Done.SetResult();
            }
            catch (Exception ex)
            {
                // After a failed write or fsync nothing on disk can be trusted to follow: fail this batch and every later one.
                lock (_queueLock) _fault = ex;
                foreach (var pending in batch) pending.Done.SetException(new StoreUnavailableException("Journal write failed.", ex));
            }
            batch.Clear();
        }
    }

    /// <summary>Writes and fsyncs what is queued, then closes the file.</summary>
    public void Dispose()
    {
        lock (_queueLock)
        {
            _closing = true;
            Monitor.Pulse(_queueLock);
        }
        _writer.Join();
        _file.Dispose();
    }

    private readonly record struct Pending(byte[] Frame, TaskCompletionSource Done);
}
