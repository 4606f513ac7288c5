using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Demand.Core.Events;
using Demand.Core.Messaging;

namespace Demand.Core.Ingestion;

/// <summary>
/// Parses, validates, de-duplicates and aggregates one log part in a single streaming pass. Per line it
/// allocates nothing: fields are copied into one reusable buffer, ids become strings only once per distinct
/// user and category. Every data line ends as exactly one of accepted, rejected (with a reason, written to
/// the quarantine) or duplicate.
/// </summary>
public sealed class LogPartParser
{
    /// <summary>Lines longer than this are rejected (<see cref="RejectReasons.LineTooLong"/>).</summary>
    public const int MaxLineBytes = 64 * 1024;

    private const ulong IdSeed = 0x9E3779B97F4A7C15UL;
    private const ulong LineSeed = 0xC2B2AE3D27D4EB4FUL;

    private readonly CompiledMapping _mapping;
    private readonly long _now;
    private readonly QuarantineWriter? _quarantine;
    private readonly byte[] _values = new byte[MaxLineBytes + 64];
    private readonly int[] _start = new int[LogFields.Count];
    private readonly int[] _length = new int[LogFields.Count];
    private readonly (int Field, byte[] Name)[] _jsonNames;
    private readonly HashSet<ulong> _seen = [];
    private int[] _positionToField = [];
    private bool _csv;
    private bool _headerPending;

    public LogPartParser(CompiledMapping mapping, string merchantId, DateTimeOffset now, QuarantineWriter? quarantine)
    {
        _mapping = mapping;
        _now = now.ToUnixTimeSeconds();
        _quarantine = quarantine;
        Aggregator = new FeatureAggregator(merchantId);
        _jsonNames = [.. mapping.Names.Select((name, field) => (field, name)).Where(x => x.name is not null).Select(x => (x.field, x.name!))];
    }

    public FeatureAggregator Aggregator { get; }

    public PartCounts Counts { get; } = new();

    /// <summary>Reviews with text, for the miner.</summary>
    public List<ReviewToMine> Reviews { get; } = [];

    /// <summary>Keep reviews for the miner (off in benchmarks).</summary>
    public bool CollectReviews { get; init; } = true;

    /// <summary>When set, called for every accepted event with its fields (the <c>mappings check</c> preview).</summary>
    public Action<long, BehaviourEvent>? OnAccepted { get; init; }

    /// <summary>Reads the whole part.</summary>
    /// <exception cref="UnreadableLogException">The part cannot be read at all.</exception>
    public void Parse(Stream part)
    {
        using var reader = LogRecordReader.Open(part, leaveOpen: true);
        Counts.Gzip = reader.IsGzip;
        var format = _mapping.Format;
        if (format == LogFormat.Auto)
        {
            format = reader.FirstContentByte() is (byte)'{' or (byte)'[' ? LogFormat.Jsonl : LogFormat.Csv;
        }

        Counts.Format = format;
        _csv = format == LogFormat.Csv;
        reader.CsvQuotes = _csv;
        _headerPending = _csv && _mapping.Header;
        if (_csv)
        {
            _positionToField = PositionsFromMapping();
        }

        while (reader.Read())
        {
            Process(reader.Current, reader.LineNumber, reader.Terminated, reader.Clipped);
        }
    }

    private void Process(ReadOnlySpan<byte> record, long line, bool terminated, bool clipped)
    {
        if (!clipped && record.Trim(" \t"u8).IsEmpty)
        {
            Counts.BlankLines++;
            return;
        }

        if (_headerPending)
        {
            _headerPending = false;
            Counts.HeaderLines++;
            ReadHeader(record);
            return;
        }

        Counts.LinesRead++;
        if (clipped || record.Length > MaxLineBytes)
        {
            Reject(line, RejectReasons.LineTooLong, record, clipped);
            return;
        }

        if (!Utf8.IsValid(record))
        {
            Reject(line, RejectReasons.InvalidUtf8, record, false);
            return;
        }

        _length.AsSpan().Fill(0);
        var syntax = _csv ? SplitCsv(record) : SplitJson(record);
        if (syntax is not null)
        {
            Reject(line, terminated ? syntax : RejectReasons.TruncatedLine, record, false);
            return;
        }

        var reason = Accept(record, line);
        if (reason is not null)
        {
            var missing = reason is RejectReasons.MissingUserId or RejectReasons.MissingType or RejectReasons.MissingTimestamp;
            Reject(line, !terminated && missing ? RejectReasons.TruncatedLine : reason, record, false);
        }
    }

    private string? Accept(ReadOnlySpan<byte> record, long line)
    {
        var typeRaw = Field(LogField.Type);
        if (typeRaw.IsEmpty)
        {
            return RejectReasons.MissingType;
        }

        if (!_mapping.TryMapType(typeRaw, out var type))
        {
            return RejectReasons.UnknownType;
        }

        var userId = Field(LogField.UserId);
        if (userId.IsEmpty)
        {
            return RejectReasons.MissingUserId;
        }

        var timestamp = Field(LogField.Timestamp);
        if (timestamp.IsEmpty)
        {
            return RejectReasons.MissingTimestamp;
        }

        if (!_mapping.TryParseTimestamp(timestamp, out var unix))
        {
            return RejectReasons.InvalidTimestamp;
        }

        double? price = null;
        int? quantity = null;
        int? rating = null;
        var raw = Field(LogField.Price);
        if (!raw.IsEmpty)
        {
            if (!Utf8Parser.TryParse(raw, out double p, out var used) || used != raw.Length)
            {
                return RejectReasons.InvalidPrice;
            }

            price = p;
        }

        raw = Field(LogField.Quantity);
        if (!raw.IsEmpty)
        {
            if (!Utf8Parser.TryParse(raw, out int q, out var used) || used != raw.Length)
            {
                return RejectReasons.InvalidQuantity;
            }

            quantity = q;
        }

        raw = Field(LogField.Rating);
        if (!raw.IsEmpty)
        {
            if (!Utf8Parser.TryParse(raw, out double r, out var used) || used != raw.Length || r != Math.Floor(r) || Math.Abs(r) > 1000)
            {
                return RejectReasons.InvalidRating;
            }

            rating = (int)r;
        }

        var eventId = Field(LogField.EventId);
        var shape = new EventShape(
            type,
            unix,
            eventId.Length,
            userId.Length,
            Field(LogField.ProductId).Length,
            Field(LogField.CategoryId).Length,
            Field(LogField.Query).Length,
            Field(LogField.Text).Length,
            Field(LogField.SessionId).Length,
            price,
            quantity,
            rating);
        var reason = EventValidator.Validate(shape, _now);
        if (reason is not null)
        {
            return reason;
        }

        var key = eventId.IsEmpty ? LineHash.Hash(record, LineSeed) : LineHash.Hash(eventId, IdSeed);
        if (!_seen.Add(key))
        {
            Counts.Duplicates++;
            return null;
        }

        Counts.Accepted++;
        Counts.AcceptedByType[(int)type]++;
        Counts.MinEventTime = Math.Min(Counts.MinEventTime, unix);
        Counts.MaxEventTime = Math.Max(Counts.MaxEventTime, unix);
        var spend = price is { } unitPrice ? unitPrice * (quantity ?? 1) : 0;
        Aggregator.Add(userId, type, Field(LogField.CategoryId), unix, spend, rating, Field(LogField.Query));
        if (type == EventType.Review && CollectReviews)
        {
            Reviews.Add(new ReviewToMine
            {
                ReviewId = eventId.IsEmpty ? "h" + LineHash.Hash(record, LineSeed).ToString("x16", System.Globalization.CultureInfo.InvariantCulture) : Encoding.UTF8.GetString(eventId),
                UserId = Encoding.UTF8.GetString(userId),
                ProductId = Encoding.UTF8.GetString(Field(LogField.ProductId)),
                CategoryId = Text(LogField.CategoryId),
                Rating = rating,
                Text = Encoding.UTF8.GetString(Field(LogField.Text)),
                Timestamp = DateTimeOffset.FromUnixTimeSeconds(unix),
            });
        }

        OnAccepted?.Invoke(line, new BehaviourEvent
        {
            EventId = Text(LogField.EventId),
            UserId = Encoding.UTF8.GetString(userId),
            Type = type,
            Timestamp = DateTimeOffset.FromUnixTimeSeconds(unix),
            ProductId = Text(LogField.ProductId),
            CategoryId = Text(LogField.CategoryId),
            Price = price is { } pr ? (decimal)pr : null,
            Quantity = quantity,
            Query = Text(LogField.Query),
            Rating = rating,
            Text = Text(LogField.Text),
            SessionId = Text(LogField.SessionId),
        });
        return null;
    }

    private ReadOnlySpan<byte> Field(LogField field) => _values.AsSpan(_start[(int)field], _length[(int)field]);

    private string? Text(LogField field)
    {
        var value = Field(field);
        return value.IsEmpty ? null : Encoding.UTF8.GetString(value);
    }

    private void Reject(long line, string reason, ReadOnlySpan<byte> record, bool clipped)
    {
        Counts.Rejected++;
        Counts.RejectsByReason[reason] = Counts.RejectsByReason.GetValueOrDefault(reason) + 1;
        _quarantine?.Write(line, reason, record, clipped);
    }

    private string? SplitJson(ReadOnlySpan<byte> record)
    {
        var reader = new Utf8JsonReader(record, new JsonReaderOptions { MaxDepth = 16 });
        var position = 0;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return RejectReasons.MalformedJson;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var field = MatchName(ref reader);
                reader.Read();
                if (field < 0)
                {
                    reader.Skip();
                    continue;
                }

                switch (reader.TokenType)
                {
                    case JsonTokenType.String:
                        var written = reader.CopyString(_values.AsSpan(position));
                        _start[field] = position;
                        _length[field] = written;
                        position += written;
                        break;
                    case JsonTokenType.Number:
                        reader.ValueSpan.CopyTo(_values.AsSpan(position));
                        _start[field] = position;
                        _length[field] = reader.ValueSpan.Length;
                        position += reader.ValueSpan.Length;
                        break;
                    case JsonTokenType.Null:
                        _length[field] = 0;
                        break;
                    default:
                        reader.Skip();
                        return RejectReasons.MalformedField;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return RejectReasons.MalformedJson;
            }
        }
        catch (JsonException)
        {
            return RejectReasons.MalformedJson;
        }

        return null;
    }

    private int MatchName(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            var name = reader.ValueSpan;
            foreach (var (field, candidate) in _jsonNames)
            {
                if (name.SequenceEqual(candidate))
                {
                    return field;
                }
            }

            return -1;
        }

        foreach (var (field, candidate) in _jsonNames)
        {
            if (reader.ValueTextEquals(candidate))
            {
                return field;
            }
        }

        return -1;
    }

    /// <summary>RFC 4180 fields: quoted fields may hold the delimiter, quotes (doubled) and line breaks.</summary>
    private string? SplitCsv(ReadOnlySpan<byte> record)
    {
        var delimiter = _mapping.Delimiter;
        var map = _positionToField;
        var position = 0;
        var column = 0;
        var i = 0;
        while (true)
        {
            var field = column < map.Length ? map[column] : -1;
            var valueStart = position;
            if (i < record.Length && record[i] == (byte)'"')
            {
                i++;
                while (true)
                {
                    var quote = record[i..].IndexOf((byte)'"');
                    if (quote < 0)
                    {
                        return RejectReasons.MalformedCsv;
                    }

                    if (field >= 0)
                    {
                        record.Slice(i, quote).CopyTo(_values.AsSpan(position));
                        position += quote;
                    }

                    i += quote + 1;
                    if (i < record.Length && record[i] == (byte)'"')
                    {
                        if (field >= 0)
                        {
                            _values[position++] = (byte)'"';
                        }

                        i++;
                        continue;
                    }

                    break;
                }

                if (i < record.Length && record[i] != delimiter)
                {
                    return RejectReasons.MalformedCsv;
                }
            }
            else
            {
                var at = record[i..].IndexOf(delimiter);
                var end = at < 0 ? record.Length : i + at;
                if (field >= 0)
                {
                    record[i..end].CopyTo(_values.AsSpan(position));
                    position += end - i;
                }

                i = end;
            }

            if (field >= 0)
            {
                _start[field] = valueStart;
                _length[field] = position - valueStart;
            }

            column++;
            if (i >= record.Length)
            {
                return null;
            }

            i++;
        }
    }

    private void ReadHeader(ReadOnlySpan<byte> record)
    {
        var names = new List<string>();
        var i = 0;
        while (i <= record.Length)
        {
            // Header cells are plain names; quotes around them are tolerated.
            var at = record[i..].IndexOf(_mapping.Delimiter);
            var end = at < 0 ? record.Length : i + at;
            names.Add(Encoding.UTF8.GetString(record[i..end]).Trim().Trim('"').Trim());
            i = end + 1;
        }

        var map = PositionsFromMapping();
        var missing = new List<string>();
        for (var field = 0; field < LogFields.Count; field++)
        {
            if (_mapping.Names[field] is not { } nameBytes)
            {
                continue;
            }

            var name = Encoding.UTF8.GetString(nameBytes);
            var column = names.FindIndex(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
            if (column < 0)
            {
                if (field is (int)LogField.UserId or (int)LogField.Type or (int)LogField.Timestamp)
                {
                    missing.Add(name);
                }

                continue;
            }

            if (column >= map.Length)
            {
                Array.Resize(ref map, column + 1);
                map.AsSpan(column).Fill(-1);
            }

            map[column] = field;
        }

        if (missing.Count > 0)
        {
            throw new UnreadableLogException(UnreadableLogException.MissingColumns, "The CSV header lacks required columns: " + string.Join(", ", missing) + ".");
        }

        _positionToField = map;
    }

    private int[] PositionsFromMapping()
    {
        var max = _mapping.Positions.Max();
        var map = new int[Math.Max(max + 1, 0)];
        Array.Fill(map, -1);
        for (var field = 0; field < LogFields.Count; field++)
        {
            if (_mapping.Positions[field] >= 0)
            {
                map[_mapping.Positions[field]] = field;
            }
        }

        return map;
    }
}

/// <summary>The line accounting of one part: <c>Accepted + Rejected + Duplicates == LinesRead</c>.</summary>
public sealed class PartCounts
{
    public LogFormat Format { get; set; }

    public bool Gzip { get; set; }

    /// <summary>Data lines (records): blank lines and the CSV header are not data.</summary>
    public long LinesRead { get; set; }

    public long Accepted { get; set; }

    public long Rejected { get; set; }

    public long Duplicates { get; set; }

    public long BlankLines { get; set; }

    public long HeaderLines { get; set; }

    public long[] AcceptedByType { get; } = new long[EventTypes.Count];

    public Dictionary<string, long> RejectsByReason { get; } = new(StringComparer.Ordinal);

    public long MinEventTime { get; set; } = long.MaxValue;

    public long MaxEventTime { get; set; } = long.MinValue;
}
