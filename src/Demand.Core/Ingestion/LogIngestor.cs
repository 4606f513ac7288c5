using System.Buffers;
using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Unicode;
using Demand.Core.Events;
using Demand.Core.Features;
using Demand.Core.Identifiers;
using Demand.Core.Messaging;

namespace Demand.Core.Ingestion;

/// <summary>The result of reading one log part: per-user partial aggregates, reviews to mine, quarantined rows and the report.</summary>
public sealed class IngestionOutcome
{
    public required IngestionReport Report { get; init; }

    public required IReadOnlyDictionary<string, UserFeatures> Users { get; init; }

    public required IReadOnlyList<ReviewToMine> Reviews { get; init; }

    /// <summary>Quarantine JSON Lines: <c>{"line","reason","detail","raw"|"rawBase64"}</c> per rejected row.</summary>
    public required ReadOnlyMemory<byte> Quarantine { get; init; }

    public bool Readable => Report.Status == IngestionReport.Ingested;

    /// <summary>The part's content fingerprint (null when it was not read to the end).</summary>
    public MergedContent? Fingerprint { get; init; }

    /// <summary>
    /// Set when the part began like an earlier merged part but the guess of how much it repeats proved wrong after rows
    /// were skipped: read it again with <see cref="LogIngestor.SkipRecords"/> = this value (0: skip nothing).
    /// </summary>
    public long? RestartSkipping { get; init; }

    /// <summary>With <see cref="RestartSkipping"/>: the part the verified prefix came from.</summary>
    public string? RestartSkippingOf { get; init; }
}

/// <summary>A CSV header that does not fit the mapping: the part is unreadable, for a reason the merchant can fix.</summary>
internal sealed class HeaderException(string message) : Exception(message);

/// <summary>
/// Parses, maps, validates, de-duplicates and aggregates one log part in a single streaming pass. Every record
/// ends up accepted, rejected (kept verbatim in the quarantine with its line number and reason) or a duplicate,
/// so accepted + rejected + duplicates = records read. A part that cannot be read at all (corrupt gzip, binary
/// junk) yields an <c>unreadable</c> report and no state.
/// </summary>
public sealed class LogIngestor
{
    private readonly LogMapping _mapping;
    private readonly ValidationLimits _limits;
    private readonly Dictionary<string, EventType>.AlternateLookup<ReadOnlySpan<char>> _types;
    private readonly (byte[] Name, EventType Type)[] _exactTypes;
    private readonly TimestampParser _timestamps;

    // Accepted event times, unix seconds: up to the future tolerance ahead of now, back to the age limit (or the mapping's NotBefore when earlier).
    private readonly long _latest;
    private readonly long _earliest;

    public LogIngestor(LogMapping mapping, ValidationLimits? limits = null, DateTimeOffset? now = null)
    {
        mapping.Validate();
        _mapping = mapping;
        _limits = limits ?? ValidationLimits.Default;
        var types = mapping.TypeTable();
        _types = types.GetAlternateLookup<ReadOnlySpan<char>>();
        _exactTypes = [.. types.Select(t => (System.Text.Encoding.UTF8.GetBytes(t.Key), t.Value))];
        _timestamps = TimestampParser.Create(mapping.Timestamp);
        var nowSeconds = (now ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        _latest = nowSeconds + (long)_limits.FutureTolerance.TotalSeconds;
        _earliest = nowSeconds - (long)_limits.MaxAge.TotalSeconds;
        if (mapping.NotBefore is { } notBefore)
        {
            _earliest = Math.Min(_earliest, new DateTimeOffset(notBefore, TimeOnly.MinValue, TimeSpan.Zero).ToUnixTimeSeconds());
        }
    }

    /// <summary>When set, called with the line number and the parsed event of every accepted line (<c>demand mappings check</c>); off on the hot path.</summary>
    public Action<long, BehaviourEvent>? OnAccepted { get; init; }

    /// <summary>Fingerprints of the merchant's merged parts: a part starting like one of them skips what they already merged.</summary>
    public IReadOnlyList<MergedContent> Known { get; init; } = [];

    /// <summary>Leading records (a CSV header included) known to repeat part <see cref="SkipOf"/>: skipped unparsed.</summary>
    public long SkipRecords { get; init; }

    public string? SkipOf { get; init; }

    /// <summary>
    /// Set for a second read of a part: aggregate only these shoppers' rows and keep their identified events whole, for a
    /// merge that found one of their event ids counted before. A first read keeps only the ids (16 bytes an event).
    /// </summary>
    public IReadOnlySet<string>? OnlyUsers { get; init; }

    /// <summary>
    /// Training's stable sample of a large merchant's shoppers: rows of other shoppers are dropped once they are
    /// validated, before any state is built for them (not counted as accepted), so a part costs what its sample holds.
    /// </summary>
    public Func<string, bool>? SampleUsers { get; init; }

    public IngestionOutcome Ingest(MerchantId merchantId, string partId, string blobName, ReadOnlyMemory<byte> content, Func<UserId, bool>? isErased = null)
    {
        using var stream = new ReadOnlyMemoryStream(content);
        return Ingest(merchantId, partId, blobName, stream, content.Length, isErased);
    }

    public IngestionOutcome Ingest(MerchantId merchantId, string partId, string blobName, Stream content, long length, Func<UserId, bool>? isErased = null)
    {
        var started = Stopwatch.GetTimestamp();
        var report = new IngestionReport { MerchantId = merchantId.Value, PartId = partId, BlobName = blobName, StartedAt = DateTimeOffset.UtcNow, Mapping = _mapping.Name, Bytes = length };
        // JSON Lines rows take 100–300 bytes: the length sizes the duplicate set up front (shorter rows only mean it grows once or twice).
        var state = new PassState(merchantId, isErased, (int)Math.Min(length / 100, int.MaxValue));
        try
        {
            var buffered = content is BufferedStream or ReadOnlyMemoryStream or MemoryStream ? content : new BufferedStream(content, 1 << 16);
            Span<byte> magic = stackalloc byte[2];
            var peeked = PeekableStream.Peek(ref buffered, magic);
            Stream input = buffered;
            if (peeked == 2 && magic[0] == 0x1F && magic[1] == 0x8B)
            {
                report.Compressed = true;
                input = new GZipStream(buffered, CompressionMode.Decompress);
            }

            var format = _mapping.Format;
            if (format == LogFormat.Auto)
            {
                Span<byte> head = stackalloc byte[4096];
                var n = PeekableStream.Peek(ref input, head);
                format = DetectFormat(head[..n], out var junk);
                if (junk is not null)
                {
                    return Unreadable(report, junk, started);
                }
            }

            report.Format = format == LogFormat.Jsonl ? "jsonl" : "csv";
            Run(input, format, report, state);
        }
        catch (HeaderException ex)
        {
            return Unreadable(report, "CSV header: " + ex.Message, started);
        }
        catch (InvalidDataException ex)
        {
            state.CountTypesInto(report);
            return Unreadable(report, "corrupt compressed data: " + ex.Message, started);
        }

        if (state.Restart is { } restart)
        {
            return new IngestionOutcome
            {
                Report = report, Users = new Dictionary<string, UserFeatures>(), Reviews = [], Quarantine = ReadOnlyMemory<byte>.Empty,
                RestartSkipping = restart, RestartSkippingOf = state.Matched?.PartId,
            };
        }

        var fingerprint = new MergedContent
        {
            MerchantId = merchantId, PartId = partId, BlobName = blobName, Records = state.Records, MergedAt = DateTimeOffset.UtcNow,
            Hash = Convert.ToHexStringLower(state.Fingerprint.GetCurrentHash()), Head = state.Head ?? Convert.ToHexStringLower(state.Fingerprint.GetCurrentHash()),
        };
        if (state.Matched is { } whole && whole.Records == state.Records && state.Skipped == report.LinesRead)
        {
            // Every record repeats a merged part: nothing to merge.
            report.Status = IngestionReport.Duplicate;
            report.DuplicateOf = whole.PartId;
            report.AlreadyMerged = state.Skipped;
            report.Note = $"duplicate of part {whole.PartId} ({whole.BlobName}): the same {state.Skipped:N0} lines were already merged; nothing merged again";
        }
        else if (state.Skipped > 0)
        {
            report.DuplicateOf = SkipOf ?? state.Matched?.PartId;
            report.AlreadyMerged = state.Skipped;
            var source = state.Matched is { } m ? $"part {m.PartId} ({m.BlobName})" : $"part {SkipOf}";
            report.Note = $"appended copy of {source}: its first {state.Skipped:N0} lines were already merged; merged only the {report.LinesRead - state.Skipped:N0} lines after them";
        }

        state.CountTypesInto(report);
        report.ParseMilliseconds = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        report.UsersTouched = state.Users.Count;
        report.Reviews = state.Reviews.Count;
        report.FirstEventAt = state.MinTime == long.MaxValue ? null : DateTimeOffset.FromUnixTimeSeconds(state.MinTime);
        report.LastEventAt = state.MaxTime == long.MinValue ? null : DateTimeOffset.FromUnixTimeSeconds(state.MaxTime);
        report.EventsPerSecond = report.ParseMilliseconds > 0 ? report.Accepted / (report.ParseMilliseconds / 1000) : 0;
        report.FinishedAt = DateTimeOffset.UtcNow;
        report.TotalMilliseconds = report.ParseMilliseconds;
        state.QuarantineWriter.Flush();
        return new IngestionOutcome { Report = report, Users = state.Users, Reviews = state.Reviews, Quarantine = state.Quarantine.WrittenMemory, Fingerprint = fingerprint };
    }

    private static IngestionOutcome Unreadable(IngestionReport report, string reason, long started)
    {
        report.Status = IngestionReport.Unreadable;
        report.Error = reason;
        report.FinishedAt = DateTimeOffset.UtcNow;
        report.TotalMilliseconds = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return new IngestionOutcome { Report = report, Users = new Dictionary<string, UserFeatures>(), Reviews = [], Quarantine = ReadOnlyMemory<byte>.Empty };
    }

    /// <summary>JSON Lines when the first non-blank byte is '{'; junk (NUL bytes, mostly non-text) is unreadable.</summary>
    private static LogFormat DetectFormat(ReadOnlySpan<byte> head, out string? junk)
    {
        junk = null;
        if (head.IndexOf((byte)0) >= 0)
        {
            junk = "binary content (NUL bytes): not a JSON Lines or CSV log";
            return LogFormat.Csv;
        }

        var control = 0;
        foreach (var b in head)
        {
            if (b < 0x20 && b is not ((byte)'\n' or (byte)'\r' or (byte)'\t'))
            {
                control++;
            }
        }

        if (head.Length > 0 && control * 10 > head.Length)
        {
            junk = "binary content (control bytes): not a JSON Lines or CSV log";
            return LogFormat.Csv;
        }

        var text = head.StartsWith("\uFEFF"u8) ? head[3..] : head;
        var first = text.IndexOfAnyExcept(" \t\r\n"u8);
        return first >= 0 && text[first] == '{' ? LogFormat.Jsonl : LogFormat.Csv;
    }

    private void Run(Stream input, LogFormat format, IngestionReport report, PassState state)
    {
        var csv = format == LogFormat.Csv;
        var reader = new RecordReader(input, csv, _mapping.Delimiter);
        IRecordParser parser = csv ? new CsvRecordParser(_mapping) : new JsonRecordParser(_mapping);
        var values = new FieldValues();
        var skipUntil = SkipRecords;
        List<MergedContent>? candidates = null;
        while (reader.TryRead(out var record))
        {
            state.Fingerprint.AppendData(record);
            state.Fingerprint.AppendData("\n"u8);
            state.Records++;
            if (parser is CsvRecordParser { NeedsHeader: true } header)
            {
                var problem = header.ReadHeader(record);
                if (problem is not null)
                {
                    throw new HeaderException(problem);
                }

                continue;
            }

            if (state.Head is null)
            {
                state.Head = Convert.ToHexStringLower(state.Fingerprint.GetCurrentHash());
                if (SkipRecords == 0 && Known.Count > 0)
                {
                    candidates = [.. Known.Where(k => k.Head == state.Head && k.Records >= state.Records).OrderBy(k => k.Records)];
                    skipUntil = candidates.Count > 0 ? candidates[^1].Records : 0;
                }
            }

            report.LinesRead++;
            if (state.Records <= skipUntil)
            {
                // Repeats (or, until the fingerprint says otherwise, is believed to repeat) a merged part: hashed, not parsed.
                state.Skipped++;
                if (candidates is not null && !CheckCandidates(candidates, state, skipUntil))
                {
                    return;
                }

                continue;
            }

            var line = reader.LineNumber;
            if (reader.LastWasCut || record.Length > _limits.MaxLineBytes)
            {
                Reject(state, report, line, RejectReason.LineTooLong, $"{record.Length} bytes, limit {_limits.MaxLineBytes}", record);
                continue;
            }

            if (!Utf8.IsValid(record))
            {
                Reject(state, report, line, RejectReason.InvalidUtf8, null, record);
                continue;
            }

            values.Reset();
            var malformed = parser.Parse(record, values, out var detail);
            if (malformed is { } reason)
            {
                Reject(state, report, line, reason, reader.LastWasUnterminated ? "truncated last line: " + detail : detail, record);
                continue;
            }

            Accept(state, report, line, record, values);
        }

        if (candidates is not null)
        {
            EndCandidates(state, skipUntil);
        }
    }

    /// <summary>False when the skip went past the last verified prefix: the pass stops and asks to be restarted.</summary>
    private static bool CheckCandidates(List<MergedContent> candidates, PassState state, long skipUntil)
    {
        string? hash = null;
        foreach (var candidate in candidates)
        {
            if (candidate.Records == state.Records)
            {
                hash ??= Convert.ToHexStringLower(state.Fingerprint.GetCurrentHash());
                if (candidate.Hash == hash)
                {
                    state.Matched = candidate;
                }
            }
        }

        if (state.Records == skipUntil && state.Matched?.Records != state.Records)
        {
            state.Restart = state.Matched?.Records ?? 0;
            return false;
        }

        return true;
    }

    /// <summary>After the last record: a part that ended while still skipping must match a merged part exactly, or be read again.</summary>
    private static void EndCandidates(PassState state, long skipUntil)
    {
        if (state.Records < skipUntil && state.Matched?.Records != state.Records)
        {
            state.Restart = state.Matched?.Records ?? 0;
        }
    }

    private void Accept(PassState state, IngestionReport report, long line, ReadOnlySpan<byte> record, FieldValues v)
    {
        if (!v.Has(FieldValues.UserId))
        {
            Reject(state, report, line, RejectReason.MissingUserId, null, record);
            return;
        }

        if (!v.Has(FieldValues.Type))
        {
            Reject(state, report, line, RejectReason.MissingType, null, record, v.Get(FieldValues.UserId));
            return;
        }

        if (!TryType(v.Get(FieldValues.Type), out var type))
        {
            Reject(state, report, line, RejectReason.UnknownType, "type '" + System.Text.Encoding.UTF8.GetString(v.Get(FieldValues.Type)) + "'", record, v.Get(FieldValues.UserId));
            return;
        }

        if (!v.Has(FieldValues.Timestamp))
        {
            Reject(state, report, line, RejectReason.MissingTimestamp, null, record, v.Get(FieldValues.UserId));
            return;
        }

        if (!_timestamps.TryParse(v.Get(FieldValues.Timestamp), out var at))
        {
            Reject(state, report, line, RejectReason.InvalidTimestamp, $"expected {_mapping.Timestamp.Format}", record, v.Get(FieldValues.UserId));
            return;
        }

        if (at > _latest)
        {
            Reject(state, report, line, RejectReason.TimestampInFuture, DateTimeOffset.FromUnixTimeSeconds(at).ToString("O", System.Globalization.CultureInfo.InvariantCulture), record, v.Get(FieldValues.UserId));
            return;
        }

        if (at < _earliest)
        {
            Reject(state, report, line, RejectReason.TimestampTooOld, DateTimeOffset.FromUnixTimeSeconds(at).ToString("O", System.Globalization.CultureInfo.InvariantCulture), record, v.Get(FieldValues.UserId));
            return;
        }

        var needsProduct = type is EventType.Purchase or EventType.CartAdd or EventType.CartRemove or EventType.Review or EventType.Return;
        if (needsProduct && !v.Has(FieldValues.ProductId))
        {
            Reject(state, report, line, RejectReason.MissingProductId, $"{type.ToWireName()} needs productId", record, v.Get(FieldValues.UserId));
            return;
        }

        if (type is EventType.Purchase or EventType.CartAdd or EventType.CartRemove && !v.Has(FieldValues.CategoryId))
        {
            Reject(state, report, line, RejectReason.MissingCategoryId, $"{type.ToWireName()} needs categoryId", record, v.Get(FieldValues.UserId));
            return;
        }

        if (type == EventType.Review && !v.Has(FieldValues.Text))
        {
            Reject(state, report, line, RejectReason.MissingText, null, record, v.Get(FieldValues.UserId));
            return;
        }

        if (TooLong(v, FieldValues.UserId) || TooLong(v, FieldValues.EventId) || TooLong(v, FieldValues.ProductId) || TooLong(v, FieldValues.CategoryId) || TooLong(v, FieldValues.SessionId)
            || TooManyChars(v.Get(FieldValues.Query), _limits.MaxQueryLength) || TooManyChars(v.Get(FieldValues.Text), _limits.MaxTextLength))
        {
            Reject(state, report, line, RejectReason.FieldTooLong, $"ids ≤ {_limits.MaxIdLength}, query ≤ {_limits.MaxQueryLength}, text ≤ {_limits.MaxTextLength}", record, v.Get(FieldValues.UserId));
            return;
        }

        // One rule for user ids everywhere (UserId): a row with an id that could not name a document is rejected on its own.
        if (UserId.Check(v.Get(FieldValues.UserId)) is { } badUserId)
        {
            Reject(state, report, line, RejectReason.InvalidUserId, "user id: " + badUserId, record, v.Get(FieldValues.UserId));
            return;
        }

        // Product and category ids name documents too (mined needs per product and category, segments per category).
        if ((v.Has(FieldValues.ProductId) ? CatalogueId.Check(v.Get(FieldValues.ProductId)) : null) is { } badProduct)
        {
            Reject(state, report, line, RejectReason.InvalidCatalogueId, "product id: " + badProduct, record, v.Get(FieldValues.UserId));
            return;
        }

        if ((v.Has(FieldValues.CategoryId) ? CatalogueId.Check(v.Get(FieldValues.CategoryId)) : null) is { } badCategory)
        {
            Reject(state, report, line, RejectReason.InvalidCatalogueId, "category id: " + badCategory, record, v.Get(FieldValues.UserId));
            return;
        }

        int? rating = null;
        if (v.Has(FieldValues.Rating))
        {
            if (!TryNumber(v.Get(FieldValues.Rating), out var r) || r < 1 || r > 5 || r != Math.Floor(r))
            {
                Reject(state, report, line, RejectReason.InvalidRating, "rating must be an integer 1–5", record, v.Get(FieldValues.UserId));
                return;
            }

            rating = (int)r;
        }

        var price = 0.0;
        if (v.Has(FieldValues.Price) && (!TryNumber(v.Get(FieldValues.Price), out price) || price < 0 || !double.IsFinite(price)))
        {
            Reject(state, report, line, RejectReason.InvalidPrice, "price must be a number ≥ 0", record, v.Get(FieldValues.UserId));
            return;
        }

        var quantity = 1.0;
        if (v.Has(FieldValues.Quantity) && (!TryNumber(v.Get(FieldValues.Quantity), out quantity) || quantity < 1 || quantity != Math.Floor(quantity)))
        {
            Reject(state, report, line, RejectReason.InvalidQuantity, "quantity must be an integer ≥ 1", record, v.Get(FieldValues.UserId));
            return;
        }

        // Duplicates: same eventId; identical lines without ids only when the mapping asks (hour-granular logs repeat real events).
        var key = v.Has(FieldValues.EventId) ? EventIdWindow.HashOf(v.Get(FieldValues.EventId)) : Fnv.Hash(record);
        var dedupe = v.Has(FieldValues.EventId) ? _mapping.DedupeLines != false : _mapping.DedupeLines == true;
        if (dedupe && !state.Seen.Add(key))
        {
            report.Duplicates++;
            return;
        }

        if (SampleUsers is not null && !SampleUsers(state.Interner.Intern(v.Get(FieldValues.UserId))))
        {
            return;
        }

        var user = state.User(v.Get(FieldValues.UserId));
        if (user is null)
        {
            // Never quarantine an erased user's raw data: only the line number and the reason.
            Reject(state, report, line, RejectReason.UserErased, null, default);
            return;
        }

        var userId = user.UserId;
        if (OnlyUsers is not null && !OnlyUsers.Contains(userId))
        {
            return;
        }

        var category = v.Has(FieldValues.CategoryId) ? state.Category(v.Get(FieldValues.CategoryId)) : null;
        // Shoppers repeat their searches: interned, a repeated term costs no new string (Trim returns it as is when there is nothing to trim).
        var search = type == EventType.Search && v.Has(FieldValues.Query) ? state.Interner.Intern(v.Get(FieldValues.Query)).Trim() : null;
        if (v.Has(FieldValues.EventId))
        {
            // The same id hash as the real-time API's: an event sent live and again in the nightly export counts once.
            user.Observe(new IdentifiedEvent(key, type, category, at, price * quantity, rating, search, -1), keep: OnlyUsers is not null);
        }
        else
        {
            user.Observe(type, category, at, price * quantity, rating);
            if (search is not null)
            {
                user.AddSearch(search);
            }
        }

        if (type == EventType.Review)
        {
            state.Reviews.Add(new ReviewToMine
            {
                ReviewId = v.Has(FieldValues.EventId) ? state.Interner.Intern(v.Get(FieldValues.EventId)) : "h" + key.ToString("x16", System.Globalization.CultureInfo.InvariantCulture),
                UserId = userId,
                ProductId = state.Interner.Intern(v.Get(FieldValues.ProductId)),
                CategoryId = category,
                Rating = rating,
                Text = System.Text.Encoding.UTF8.GetString(v.Get(FieldValues.Text)),
                Timestamp = DateTimeOffset.FromUnixTimeSeconds(at),
            });
        }

        OnAccepted?.Invoke(line, Preview(v, userId, type, at, price, quantity, rating));
        state.MinTime = Math.Min(state.MinTime, at);
        state.MaxTime = Math.Max(state.MaxTime, at);
        report.Accepted++;
        state.CountType(type);
    }

    private static BehaviourEvent Preview(FieldValues v, string userId, EventType type, long at, double price, double quantity, int? rating)
    {
        string? Text(int field) => v.Has(field) ? System.Text.Encoding.UTF8.GetString(v.Get(field)) : null;
        return new BehaviourEvent
        {
            EventId = Text(FieldValues.EventId),
            UserId = userId,
            Type = type,
            Timestamp = DateTimeOffset.FromUnixTimeSeconds(at),
            ProductId = Text(FieldValues.ProductId),
            CategoryId = Text(FieldValues.CategoryId),
            Price = v.Has(FieldValues.Price) ? (decimal)price : null,
            Quantity = v.Has(FieldValues.Quantity) ? (int)quantity : null,
            Query = Text(FieldValues.Query),
            Rating = rating,
            Text = Text(FieldValues.Text),
            SessionId = Text(FieldValues.SessionId),
        };
    }

    private bool TooLong(FieldValues v, int field) => v.Get(field).Length > _limits.MaxIdLength;

    // Free text is limited in characters (as real-time events are, see EventValidator); the byte length bounds it cheaply first.
    private static bool TooManyChars(ReadOnlySpan<byte> utf8, int maxChars) =>
        utf8.Length > maxChars && (utf8.Length > maxChars * 4 || System.Text.Encoding.UTF8.GetCharCount(utf8) > maxChars);

    [System.Runtime.CompilerServices.SkipLocalsInit]
    private bool TryType(ReadOnlySpan<byte> utf8, out EventType type)
    {
        // Exact spellings first (nearly every row); the table lookup below handles case and padding.
        foreach (var (name, exact) in _exactTypes)
        {
            if (utf8.SequenceEqual(name))
            {
                type = exact;
                return true;
            }
        }

        type = default;
        if (utf8.Length > 64)
        {
            return false;
        }

        Span<char> chars = stackalloc char[64];
        var n = System.Text.Encoding.UTF8.GetChars(utf8, chars);
        return _types.TryGetValue(chars[..n].Trim(), out type);
    }

    private static bool TryNumber(ReadOnlySpan<byte> utf8, out double value) =>
        System.Buffers.Text.Utf8Parser.TryParse(utf8.Trim((byte)' '), out value, out var used) && used == utf8.Trim((byte)' ').Length;

    private static void Reject(PassState state, IngestionReport report, long line, RejectReason reason, string? detail, ReadOnlySpan<byte> raw, ReadOnlySpan<byte> userId = default)
    {
        report.Rejected++;
        var name = JsonNamingPolicy.SnakeCaseLower.ConvertName(reason.ToString());
        var count = report.RejectsByReason[name] = report.RejectsByReason.GetValueOrDefault(name) + 1;
        if (count <= IngestionReport.ExamplesPerReason)
        {
            AddExample(state, report, name, line, reason, detail, raw, userId);
        }

        var w = state.QuarantineWriter;
        w.WriteStartObject();
        w.WriteNumber("line", line);
        w.WriteString("reason", name);
        if (detail is not null)
        {
            w.WriteString("detail", detail);
        }

        if (reason != RejectReason.UserErased)
        {
            if (Utf8.IsValid(raw))
            {
                w.WriteString("raw", raw);
            }
            else
            {
                w.WriteBase64String("rawBase64", raw);
            }
        }

        w.WriteEndObject();
        w.Flush();
        state.Quarantine.Write("\n"u8);
        w.Reset();
    }

    /// <summary>Keeps the row as an example on the report; an erased shopper's row keeps only its line and reason.</summary>
    private static void AddExample(PassState state, IngestionReport report, string reason, long line, RejectReason why, string? detail, ReadOnlySpan<byte> raw, ReadOnlySpan<byte> userId)
    {
        string? excerpt = null;
        if (why != RejectReason.UserErased && Utf8.IsValid(raw))
        {
            var text = System.Text.Encoding.UTF8.GetString(raw);
            // Never cut between the halves of a surrogate pair: a lone half cannot be written as JSON.
            var cut = text.Length > RejectSample.MaxExcerpt && char.IsHighSurrogate(text[RejectSample.MaxExcerpt - 1]) ? RejectSample.MaxExcerpt - 1 : RejectSample.MaxExcerpt;
            excerpt = text.Length > RejectSample.MaxExcerpt ? text[..cut] + "…" : text;
        }

        string? subject = null;
        if (!userId.IsEmpty && UserId.Check(userId) is null)
        {
            subject = Storage.Tombstones.Id(state.MerchantId, UserId.Parse(System.Text.Encoding.UTF8.GetString(userId)));
        }

        if (!report.RejectExamples.TryGetValue(reason, out var examples))
        {
            report.RejectExamples[reason] = examples = [];
        }

        examples.Add(new RejectSample { Line = line, Detail = detail, Excerpt = excerpt, Subject = subject });
    }

    private sealed class PassState(MerchantId merchantId, Func<UserId, bool>? isErased, int expectedRows)
    {
        public MerchantId MerchantId => merchantId;

        public Dictionary<string, UserFeatures> Users { get; } = new(StringComparer.Ordinal);
        public List<ReviewToMine> Reviews { get; } = [];
        public UInt64Set Seen { get; } = new(expectedRows);
        public Utf8Interner Interner { get; } = new();
        public ArrayBufferWriter<byte> Quarantine { get; } = new();
        public Utf8JsonWriter QuarantineWriter => _writer ??= new Utf8JsonWriter(Quarantine, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        public long MinTime { get; set; } = long.MaxValue;

        /// <summary>SHA-256 over every record and an LF: the content fingerprint (<see cref="MergedContent"/>).</summary>
        public System.Security.Cryptography.IncrementalHash Fingerprint { get; } = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);

        public long Records { get; set; }

        public string? Head { get; set; }

        public long Skipped { get; set; }

        public MergedContent? Matched { get; set; }

        public long? Restart { get; set; }
        public long MaxTime { get; set; } = long.MinValue;
        private Utf8JsonWriter? _writer;

        // Accepted rows per type, in the order types were first seen (the report's key order).
        private readonly long[] _typeCounts = new long[EventTypes.Count];
        private readonly List<EventType> _typesSeen = [];

        private readonly LastKeyCache<UserFeatures?> _lastUser = new();
        private readonly LastKeyCache<string> _lastCategory = new();

        /// <summary>The features of the row's user, created on first sight; null when the user is erased.</summary>
        public UserFeatures? User(ReadOnlySpan<byte> utf8)
        {
            if (_lastUser.TryGet(utf8, out var user))
            {
                return user;
            }

            var userId = Interner.Intern(utf8);
            if (!Users.TryGetValue(userId, out user))
            {
                // Already checked by UserId.Check on the bytes: this parse cannot fail.
                var id = UserId.Parse(userId);
                if (isErased?.Invoke(id) != true)
                {
                    user = UserFeatures.Create(merchantId, id);
                    Users[userId] = user;
                }
            }

            _lastUser.Set(utf8, user);
            return user;
        }

        public string Category(ReadOnlySpan<byte> utf8)
        {
            if (!_lastCategory.TryGet(utf8, out var category))
            {
                category = Interner.Intern(utf8);
                _lastCategory.Set(utf8, category);
            }

            return category;
        }

        public void CountType(EventType type)
        {
            if (_typeCounts[(int)type]++ == 0)
            {
                _typesSeen.Add(type);
            }
        }

        public void CountTypesInto(IngestionReport report)
        {
            foreach (var type in _typesSeen)
            {
                report.CountsByType[type.ToWireName()] = _typeCounts[(int)type];
            }
        }
    }
}
