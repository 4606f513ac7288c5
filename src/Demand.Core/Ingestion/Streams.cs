namespace Demand.Core.Ingestion;

/// <summary>A read-only stream over memory (the blob the host handed us) without copying it.</summary>
internal sealed class ReadOnlyMemoryStream(ReadOnlyMemory<byte> memory) : Stream
{
    private int _position;

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => memory.Length;

    public override long Position
    {
        get => _position;
        set => _position = (int)Math.Clamp(value, 0, memory.Length);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = Math.Min(buffer.Length, memory.Length - _position);
        memory.Span.Slice(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => memory.Length + offset,
        };
        return _position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>Looks at a stream's first bytes without consuming them.</summary>
internal static class PeekableStream
{
    /// <summary>Fills <paramref name="head"/> from the start of the stream; afterwards the stream reads from the same start.</summary>
    public static int Peek(ref Stream stream, Span<byte> head)
    {
        if (stream.CanSeek)
        {
            var at = stream.Position;
            var n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            stream.Position = at;
            return n;
        }

        var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        stream = new PrefixedStream(head[..read].ToArray(), stream);
        return read;
    }

    private sealed class PrefixedStream(byte[] prefix, Stream rest) : ReadOnlyStream
    {
        private int _offset;

        public override int Read(Span<byte> buffer) => _offset < prefix.Length ? FromPrefix(buffer) : rest.Read(buffer);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            _offset < prefix.Length ? ValueTask.FromResult(FromPrefix(buffer.Span)) : rest.ReadAsync(buffer, cancellationToken);

        private int FromPrefix(Span<byte> buffer)
        {
            var n = Math.Min(buffer.Length, prefix.Length - _offset);
            prefix.AsSpan(_offset, n).CopyTo(buffer);
            _offset += n;
            return n;
        }
    }
}
