using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Demand.Core.Ingestion;

namespace Demand.Core.Features;

/// <summary>
/// The event ids a shopper's state has counted — exactly once per event, not per batch. Each id is kept as a 64-bit
/// hash (the FNV-1a hash log ingestion uses, so an id sent in real time and again in the nightly log is one event) with
/// the event's time, for <see cref="Window"/> of event time before the shopper's newest event and at most
/// <see cref="MaxIds"/> ids (the newest). <see cref="Floor"/> is the earliest event time the set is complete from: an
/// event with an id older than that can no longer be checked. Stored as base64 (4 bytes of floor, then 12 bytes per id),
/// about 16 bytes of JSON per id.
/// </summary>
[JsonConverter(typeof(EventIdWindowJsonConverter))]
public sealed class EventIdWindow
{
    public const int MaxIds = 4096;
    public const ulong Seed = 0x9E3779B97F4A7C15UL;
    public static readonly TimeSpan Window = TimeSpan.FromDays(30);

    private readonly List<(ulong Hash, uint At)> _entries;
    private HashSet<ulong>? _hashes;

    public EventIdWindow()
        : this(0, [])
    {
    }

    private EventIdWindow(uint floor, List<(ulong Hash, uint At)> entries)
    {
        Floor = floor;
        _entries = entries;
    }

    /// <summary>Unix seconds from which every counted event's id is in the set (0: since the shopper's first event).</summary>
    public long Floor { get; private set; }

    public int Count => _entries.Count;

    /// <summary>The hash under which <paramref name="eventId"/> is remembered (UTF-8 bytes, as log ingestion reads them).</summary>
    public static ulong HashOf(string eventId) => Fnv.Hash(Encoding.UTF8.GetBytes(eventId), Seed);

    /// <summary>The hash of an id as a log line carries it (raw UTF-8).</summary>
    public static ulong HashOf(ReadOnlySpan<byte> eventId) => Fnv.Hash(eventId, Seed);

    public bool Contains(ulong hash) => Hashes.Contains(hash);

    /// <summary>True when an event at <paramref name="unixSeconds"/> can be checked against the set.</summary>
    public bool Covers(long unixSeconds) => unixSeconds >= Floor;

    public void Add(ulong hash, long unixSeconds)
    {
        if (Hashes.Add(hash))
        {
            _entries.Add((hash, (uint)Math.Clamp(unixSeconds, 0, uint.MaxValue)));
        }
    }

    /// <summary>Forgets ids older than the window before <paramref name="newest"/>, then all but the newest <see cref="MaxIds"/>.</summary>
    public void Trim(long newest)
    {
        var start = newest - (long)Window.TotalSeconds;
        if (start > Floor)
        {
            Floor = start;
        }

        var removed = _entries.RemoveAll(e => e.At < Floor);
        if (_entries.Count > MaxIds)
        {
            _entries.Sort((a, b) => b.At.CompareTo(a.At));
            // Ids at the cut's second may be on either side of it: the set is complete only after that second.
            Floor = Math.Max(Floor, _entries[MaxIds].At + 1L);
            removed += _entries.RemoveAll(e => e.At < Floor);
        }

        if (removed > 0)
        {
            _hashes = null;
        }
    }

    internal string ToBase64()
    {
        var bytes = new byte[4 + (12 * _entries.Count)];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)Math.Clamp(Floor, 0, uint.MaxValue));
        for (var i = 0; i < _entries.Count; i++)
        {
            var slot = bytes.AsSpan(4 + (12 * i), 12);
            BinaryPrimitives.WriteUInt64LittleEndian(slot, _entries[i].Hash);
            BinaryPrimitives.WriteUInt32LittleEndian(slot[8..], _entries[i].At);
        }

        return Convert.ToBase64String(bytes);
    }

    internal static EventIdWindow FromBase64(string text)
    {
        var bytes = Convert.FromBase64String(text);
        if (bytes.Length < 4 || (bytes.Length - 4) % 12 != 0)
        {
            throw new JsonException("eventIds is not a floor followed by 12-byte entries.");
        }

        var entries = new List<(ulong, uint)>((bytes.Length - 4) / 12);
        for (var offset = 4; offset < bytes.Length; offset += 12)
        {
            entries.Add((BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(offset)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 8))));
        }

        return new EventIdWindow(BinaryPrimitives.ReadUInt32LittleEndian(bytes), entries);
    }

    private HashSet<ulong> Hashes => _hashes ??= [.. _entries.Select(e => e.Hash)];
}

/// <summary>Reads and writes <see cref="EventIdWindow"/> as its compact base64 form.</summary>
public sealed class EventIdWindowJsonConverter : JsonConverter<EventIdWindow>
{
    public override EventIdWindow Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        EventIdWindow.FromBase64(reader.GetString() ?? throw new JsonException("eventIds must be a string."));

    public override void Write(Utf8JsonWriter writer, EventIdWindow value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStringValue(value.ToBase64());
    }
}
