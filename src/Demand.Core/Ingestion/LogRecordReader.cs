using System.IO.Compression;

namespace Demand.Core.Ingestion;

/// <summary>
/// Splits a log part into records (lines; for CSV, lines outside quotes) straight over the bytes, without
/// allocating per record. Detects gzip by its magic bytes, drops a UTF-8 BOM and the CR of CRLF. A record
/// longer than <see cref="MaxBufferedBytes"/> is clipped to its first <see cref="LogPartParser.MaxLineBytes"/>
/// bytes (and the rest skipped) so one endless line cannot exhaust memory.
/// </summary>
public sealed class LogRecordReader : IDisposable
{
    public const int MaxBufferedBytes = 4 * 1024 * 1024;
    private const int InitialBuffer = 256 * 1024;
    private const int BinarySniffBytes = 4096;

    private readonly Stream _stream;
    private byte[] _buffer = new byte[InitialBuffer];
    private byte[]? _clip;
    private int _start;
    private int _end;
    private int _scan;
    private bool _eof;
    private bool _inQuotes;
    private bool _discarding;
    private int _clipLength;
    private int _recordStart;
    private int _recordLength;
    private long _nextLine = 1;
    private long _newlinesInRecord;

    private LogRecordReader(Stream stream)
    {
        _stream = stream;
    }

    /// <summary>Quote-aware record splitting (CSV); set before the first <see cref="Read"/> of data.</summary>
    public bool CsvQuotes { get; set; }

    /// <summary>1-based physical line number where the current record starts.</summary>
    public long LineNumber { get; private set; }

    /// <summary>The current record ended with a line break (false: the last record of a part without a final newline).</summary>
    public bool Terminated { get; private set; }

    /// <summary>The current record was longer than <see cref="MaxBufferedBytes"/>; <see cref="Current"/> is its prefix.</summary>
    public bool Clipped { get; private set; }

    public ReadOnlySpan<byte> Current => Clipped ? _clip.AsSpan(0, _clipLength) : _buffer.AsSpan(_recordStart, _recordLength);

    /// <summary>Opens a seekable stream, decompressing when it starts with the gzip magic bytes 1F 8B.</summary>
    /// <exception cref="UnreadableLogException">The content is binary, not text.</exception>
    public static LogRecordReader Open(Stream raw, bool leaveOpen = false)
    {
        Span<byte> magic = stackalloc byte[2];
        var start = raw.Position;
        var read = raw.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        raw.Position = start;
        var isGzip = read == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
        var stream = isGzip ? new GZipStream(raw, CompressionMode.Decompress, leaveOpen) : raw;
        var reader = new LogRecordReader(stream) { IsGzip = isGzip, _ownsStream = isGzip || !leaveOpen };
        reader.FillInitial();
        return reader;
    }

    public bool IsGzip { get; private init; }

    private bool _ownsStream;

    /// <summary>The first non-whitespace byte of the content (after any BOM), or 0 when it is blank.</summary>
    public byte FirstContentByte()
    {
        foreach (var b in _buffer.AsSpan(_start, _end - _start))
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return b;
            }
        }

        return 0;
    }

    /// <summary>Moves to the next record; false at the end of the part.</summary>
    /// <exception cref="UnreadableLogException">The compressed stream is corrupt.</exception>
    public bool Read()
    {
        while (true)
        {
            var newline = FindRecordEnd();
            if (newline >= 0)
            {
                Emit(newline, terminated: true);
                _start = newline + 1;
                return true;
            }

            if (_eof)
            {
                if (_start < _end || _discarding)
                {
                    Emit(_end, terminated: false);
                    _start = _end;
                    return true;
                }

                return false;
            }

            if (!_discarding && _end - _start >= MaxBufferedBytes)
            {
                _clip ??= new byte[LogPartParser.MaxLineBytes];
                _clipLength = LogPartParser.MaxLineBytes;
                _buffer.AsSpan(_start, _clipLength).CopyTo(_clip);
                _discarding = true;
            }

            if (_discarding)
            {
                _start = _end;
            }

            Fill();
        }
    }

    public void Dispose()
    {
        if (_ownsStream)
        {
            _stream.Dispose();
        }
    }

    private void Emit(int end, bool terminated)
    {
        LineNumber = _nextLine;
        _nextLine += _newlinesInRecord + (terminated ? 1 : 0);
        _newlinesInRecord = 0;
        Terminated = terminated;
        Clipped = _discarding;
        _discarding = false;
        _inQuotes = false;
        _recordStart = _start;
        _recordLength = end - _start;
        if (!Clipped && _recordLength > 0 && _buffer[end - 1] == (byte)'\r')
        {
            _recordLength--;
        }

        _scan = end + 1;
    }

    private int FindRecordEnd()
    {
        if (_scan < _start)
        {
            _scan = _start;
        }

        while (_scan < _end)
        {
            var window = _buffer.AsSpan(_scan, _end - _scan);
            var at = CsvQuotes ? window.IndexOfAny((byte)'"', (byte)'\n') : window.IndexOf((byte)'\n');
            if (at < 0)
            {
                _scan = _end;
                return -1;
            }

            var index = _scan + at;
            _scan = index + 1;
            if (_buffer[index] == (byte)'"')
            {
                _inQuotes = !_inQuotes;
            }
            else if (_inQuotes)
            {
                _newlinesInRecord++;
            }
            else
            {
                return index;
            }
        }

        return -1;
    }

    private void FillInitial()
    {
        Fill();
        if (_end - _start >= 3 && _buffer[0] == 0xEF && _buffer[1] == 0xBB && _buffer[2] == 0xBF)
        {
            _start = 3;
            _scan = 3;
        }

        if (_buffer.AsSpan(_start, Math.Min(BinarySniffBytes, _end - _start)).Contains((byte)0))
        {
            throw new UnreadableLogException(UnreadableLogException.BinaryContent, "The part contains NUL bytes: it is binary, not a text log.");
        }
    }

    private void Fill()
    {
        if (_start > 0)
        {
            var kept = _end - _start;
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, kept);
            _scan -= _start;
            _end = kept;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        try
        {
            var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0)
            {
                _eof = true;
            }

            _end += read;
        }
        catch (InvalidDataException ex)
        {
            throw new UnreadableLogException(UnreadableLogException.CorruptGzip, "The gzip stream is corrupt: " + ex.Message);
        }
    }
}

/// <summary>A part that cannot be read at all; it changes no state and its report says why.</summary>
public sealed class UnreadableLogException(string reason, string message) : Exception(message)
{
    public const string CorruptGzip = "corrupt_gzip";
    public const string BinaryContent = "binary_content";
    public const string MissingColumns = "missing_columns";

    public string Reason { get; } = reason;
}
