using System.Threading.Channels;

namespace Demand.Core.Ingestion;

/// <summary>
/// Reads an asynchronous source (the blob's HTTP response) on the thread pool, up to <c>depth</c> chunks ahead of a
/// synchronous consumer (the parser), so the download of the next megabytes overlaps the parsing of these. Read
/// synchronously, the SDK's blob stream fetches one buffer at a time and the parser waits for each: the parse phase was
/// the sum of download and parse instead of the longer of the two (<c>demand bench ingest --through-host</c>). Used by the worker's IngestLog.
/// Memory is bounded: <c>depth + 1</c> chunks, recycled.
/// </summary>
public sealed class ReadAheadStream : ReadOnlyStream
{
    private readonly Stream _source;
    private readonly Channel<(byte[] Buffer, int Length)> _filled;
    private readonly Channel<byte[]> _free;
    private readonly CancellationTokenSource _stop;
    private readonly Task _pump;
    private byte[]? _current;
    private int _offset;
    private int _length;
    private bool _ended;

    public ReadAheadStream(Stream source, int chunkBytes, int depth, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        _source = source;
        _filled = Channel.CreateBounded<(byte[], int)>(new BoundedChannelOptions(depth) { SingleReader = true, SingleWriter = true });
        _free = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        for (var i = 0; i <= depth; i++)
        {
            _free.Writer.TryWrite(new byte[chunkBytes]);
        }

        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _pump = Task.Run(() => PumpAsync(_stop.Token), CancellationToken.None);
    }

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty || !NextChunk())
        {
            return 0;
        }

        var n = Math.Min(buffer.Length, _length - _offset);
        _current.AsSpan(_offset, n).CopyTo(buffer);
        _offset += n;
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (_current is null || _offset == _length)
        {
            Recycle();
            if (_ended || !await _filled.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                _ended = true;
                return 0;
            }

            Take();
        }

        var n = Math.Min(buffer.Length, _length - _offset);
        _current.AsMemory(_offset, n).CopyTo(buffer);
        _offset += n;
        return n;
    }

    public override async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await StopPumpAsync().ConfigureAwait(false);
        await _source.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_stop.IsCancellationRequested)
        {
            _stop.Cancel();
            StopPumpAsync().GetAwaiter().GetResult();
            _source.Dispose();
            _stop.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Makes a chunk with unread bytes current; false at the end of the source. Rethrows the source's failure.</summary>
    private bool NextChunk()
    {
        if (_current is not null && _offset < _length)
        {
            return true;
        }

        Recycle();
        if (_ended)
        {
            return false;
        }

        if (!_filled.Reader.TryPeek(out _))
        {
            // The consumer is synchronous by design (the parser); it blocks its own thread only, while the pump's
            // continuations run on others.
            if (!_filled.Reader.WaitToReadAsync(_stop.Token).AsTask().GetAwaiter().GetResult())
            {
                _ended = true;
                return false;
            }
        }

        Take();
        return true;
    }

    private void Take()
    {
        _filled.Reader.TryRead(out var chunk);
        (_current, _length) = chunk;
        _offset = 0;
    }

    private void Recycle()
    {
        if (_current is not null)
        {
            _free.Writer.TryWrite(_current);
            _current = null;
        }
    }

    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var buffer = await _free.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var n = await _source.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                if (n > 0)
                {
                    await _filled.Writer.WriteAsync((buffer, n), cancellationToken).ConfigureAwait(false);
                }

                if (n < buffer.Length)
                {
                    break;
                }
            }

            _filled.Writer.TryComplete();
        }
        catch (Exception exception)
        {
            // The consumer sees the failure (a dropped connection the SDK could not resume, a cancellation) at its next read.
            _filled.Writer.TryComplete(exception);
        }
    }

    private async Task StopPumpAsync()
    {
        try
        {
            await _pump.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping early (an unreadable part, a failed invocation) cancels the read in flight.
        }
    }
}
