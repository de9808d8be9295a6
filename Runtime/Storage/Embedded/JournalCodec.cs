namespace Ates.Runtime.Storage.Embedded;

/// <summary>The kinds of journal record and their binary layout (BinaryWriter, little-endian).</summary>
internal enum RecordKind : byte
{
    Events = 1,
    Snapshot = 2,
    Checkpoint = 3,
    CheckpointsReset = 4,
    DeadLetterParked = 5,
    DeadLetterRemoved = 6,
    ReminderSet = 7,
    ReminderRemoved = 8,
    KeyStored = 9,
}

internal static class JournalCodec
{
    public static byte[] Encode(RecordKind kind, Action<BinaryWriter> body)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write((byte)kind);
            body(writer);
        }
        return stream.ToArray();
    }

    public static void WriteEvents(BinaryWriter w, IReadOnlyList<RecordedEvent> events)
    {
        w.Write(events.Count);
        foreach (var e in events)
        {
            w.Write(e.EventId.ToByteArray());
            w.Write(e.StreamId);
            w.Write(e.StreamVersion);
            w.Write(e.Position.Seq);
            w.Write(e.Partition);
            w.Write(e.Type);
            w.Write(e.Version);
            w.Write(e.Metadata.OccurredAt.UtcTicks);
            WriteNullable(w, e.Metadata.CorrelationId);
            WriteNullable(w, e.Metadata.CausationId);
            WriteNullable(w, e.Metadata.TraceParent);
            WriteNullable(w, e.Metadata.ActorUserId);
            w.Write(e.Data.Length);
            w.Write(e.Data);
        }
    }

    public static RecordedEvent[] ReadEvents(BinaryReader r)
    {
        var events = new RecordedEvent[r.ReadInt32()];
        for (var i = 0; i < events.Length; i++)
        {
            var id = new Guid(r.ReadBytes(16));
            var streamId = r.ReadString();
            var streamVersion = r.ReadInt64();
            var seq = r.ReadInt64();
            var partition = r.ReadInt32();
            var type = r.ReadString();
            var version = r.ReadInt32();
            var occurredAt = new DateTimeOffset(r.ReadInt64(), TimeSpan.Zero);
            var metadata = new EventMetadata(occurredAt, ReadNullable(r), ReadNullable(r), ReadNullable(r), ReadNullable(r));
            var data = r.ReadBytes(r.ReadInt32());
            events[i] = new RecordedEvent(id, streamId, streamVersion, new LogPosition(0, seq), partition, type, version, data, metadata);
        }
        return events;
    }

    public static void WriteDeadLetter(BinaryWriter w, DeadLetter d)
    {
        w.Write(d.Id.ToByteArray());
        w.Write(d.Subscription);
        w.Write(d.Partition);
        w.Write(d.EventId.ToByteArray());
        w.Write(d.StreamId);
        w.Write(d.StreamVersion);
        w.Write(d.Position.Tx);
        w.Write(d.Position.Seq);
        w.Write(d.Type);
        w.Write(d.Error);
        w.Write(d.Attempts);
        w.Write(d.FirstFailedAt.UtcTicks);
        w.Write(d.LastFailedAt.UtcTicks);
    }

    public static DeadLetter ReadDeadLetter(BinaryReader r) => new(
        new Guid(r.ReadBytes(16)), r.ReadString(), r.ReadInt32(), new Guid(r.ReadBytes(16)), r.ReadString(), r.ReadInt64(),
        new LogPosition(r.ReadInt64(), r.ReadInt64()), r.ReadString(), r.ReadString(), r.ReadInt32(),
        new DateTimeOffset(r.ReadInt64(), TimeSpan.Zero), new DateTimeOffset(r.ReadInt64(), TimeSpan.Zero));

    public static void WriteReminder(BinaryWriter w, ReminderEntry e)
    {
        w.Write(e.Grain.Type);
        w.Write(e.Grain.Key);
        w.Write(e.Name);
        w.Write(e.DueAt.UtcTicks);
        w.Write(e.Period.Ticks);
        w.Write(e.ETag.ToByteArray());
    }

    public static ReminderEntry ReadReminder(BinaryReader r) => new(
        new GrainId(r.ReadString(), r.ReadString()), r.ReadString(), new DateTimeOffset(r.ReadInt64(), TimeSpan.Zero),
        TimeSpan.FromTicks(r.ReadInt64()), new Guid(r.ReadBytes(16)));

    private static void WriteNullable(BinaryWriter w, string? value)
    {
        w.Write(value is not null);
        if (value is not null) w.Write(value);
    }

    private static string? ReadNullable(BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;
}
