namespace Demand.Core.Ingestion;

/// <summary>
/// Splits a byte stream into records without allocating per record: JSON Lines split on LF; CSV (RFC 4180)
/// on LF outside double quotes, so quoted fields may hold newlines. CR before LF, a UTF-8 BOM and blank
/// lines are dropped. A record longer than the buffer's cap is still returned whole (it is rejected later
/// as too long) up to <see cref="HardCapBytes"/>, past which it is cut and flagged.
/// </summary>
internal sealed class RecordReader
{
    public const int HardCapBytes = 16 * 1024 * 1024;

    private readonly Stream _stream;
    private readonly bool _csv;
    private readonly byte _delimiter;
    private byte[] _buffer = new byte[256 * 1024];
    private int _start;
    private int _end;
    private bool _eof;
    private bool _first = true;

    public RecordReader(Stream stream, bool csv, char delimiter = ',')
    {
        _stream = stream;
        _csv = csv;
        _delimiter = (byte)delimiter;
    }

    /// <summary>Physical line number (1-based) where the last returned record starts.</summary>
    public long LineNumber { get; private set; }

    /// <summary>Whether the last record hit end of data without a terminating newline.</summary>
    public bool LastWasUnterminated { get; private set; }

    /// <summary>Whether the last record was cut at <see cref="HardCapBytes"/>.</summary>
    public bool LastWasCut { get; private set; }

    private long _nextLine = 1;

    public bool TryRead(out ReadOnlySpan<byte> record)
    {
        while (true)
        {
            if (!TryReadRaw(out var start, out var length, out var lines))
            {
                record = default;
                return false;
            }

            LineNumber = _nextLine;
            _nextLine += lines;
            var span = _buffer.AsSpan(start, length);
            if (_first)
            {
                _first = false;
                if (span.StartsWith("\uFEFF"u8))
                {
                    span = span[3..];
                }
            }

            if (span.Length > 0 && span[^1] == '\r')
            {
                span = span[..^1];
            }

            if (span.IsEmpty || span.IndexOfAnyExcept((byte)' ', (byte)'\t') < 0)
            {
                continue;
            }

            record = span;
            return true;
        }
    }

    private bool TryReadRaw(out int start, out int length, out int lines)
    {
        LastWasUnterminated = false;
        LastWasCut = false;
        var scanned = 0;
        var inQuotes = false;
        var previous = (byte)'\n';
        var justClosed = false;
        lines = 1;
        while (true)
        {
            var span = _buffer.AsSpan(_start + scanned, _end - _start - scanned);
            var end = -1;
            if (!_csv)
            {
                var nl = span.IndexOf((byte)'\n');
                end = nl < 0 ? -1 : nl;
                scanned += nl < 0 ? span.Length : 0;
            }
            else
            {
                for (var i = 0; i < span.Length; i++)
                {
                    var b = span[i];

                    // RFC 4180: a quote opens a quoted field only at the field's start; "" inside is an escaped quote
                    // (it closes and reopens). A stray quote inside an unquoted field is data.
                    if (b == '"' && (inQuotes || previous == _delimiter || previous == '\n' || previous == '\r' || justClosed))
                    {
                        inQuotes = !inQuotes;
                        justClosed = !inQuotes;
                        previous = b;
                        continue;
                    }

                    justClosed = false;
                    if (b == '\n')
                    {
                        if (!inQuotes)
                        {
                            end = i;
                            break;
                        }

                        lines++;
                    }

                    previous = b;
                }

                if (end < 0)
                {
                    scanned += span.Length;
                }
            }

            if (end >= 0)
            {
                start = _start;
                length = scanned + end;
                _start += length + 1;
                return true;
            }

            if (_eof)
            {
                if (_end == _start)
                {
                    start = length = 0;
                    return false;
                }

                start = _start;
                length = _end - _start;
                _start = _end;
                LastWasUnterminated = true;
                return true;
            }

            if (_end - _start >= HardCapBytes)
            {
                start = _start;
                length = _end - _start;
                _start = _end;
                LastWasCut = true;
                SkipToNewline();
                return true;
            }

            Fill();
        }
    }

    private void SkipToNewline()
    {
        while (true)
        {
            _start = _end = 0;
            var read = _stream.Read(_buffer, 0, _buffer.Length);
            if (read == 0)
            {
                _eof = true;
                return;
            }

            var nl = _buffer.AsSpan(0, read).IndexOf((byte)'\n');
            if (nl >= 0)
            {
                _start = nl + 1;
                _end = read;
                return;
            }
        }
    }

    private void Fill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, HardCapBytes + 1024));
        }

        var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0)
        {
            _eof = true;
        }

        _end += read;
    }
}
