using Demand.Core.Ingestion;

namespace Demand.Core.Tests.Ingestion;

public sealed class ReadAheadStreamTests
{
    [Fact]
    public async Task Sync_and_async_readers_get_every_byte_in_order_across_chunk_boundaries()
    {
        var data = new byte[1_000_003];
        new Random(5).NextBytes(data);

        // A source that hands out odd-sized pieces asynchronously, as a network stream does.
        using var syncStream = new ReadAheadStream(new TricklingStream(data, failAfter: null), chunkBytes: 4096, depth: 2, TestContext.Current.CancellationToken);
        using var syncCopy = new MemoryStream();
        var buffer = new byte[3001];
        int n;
        while ((n = syncStream.Read(buffer)) > 0)
        {
            syncCopy.Write(buffer, 0, n);
        }

        await using var asyncStream = new ReadAheadStream(new TricklingStream(data, failAfter: null), chunkBytes: 4096, depth: 2, TestContext.Current.CancellationToken);
        using var asyncCopy = new MemoryStream();
        await asyncStream.CopyToAsync(asyncCopy, TestContext.Current.CancellationToken);

        syncCopy.ToArray().ShouldBe(data);
        asyncCopy.ToArray().ShouldBe(data);
    }

    [Fact]
    public void A_source_failure_reaches_the_reader_instead_of_a_short_part()
    {
        var data = new byte[100_000];
        using var stream = new ReadAheadStream(new TricklingStream(data, failAfter: 50_000), chunkBytes: 4096, depth: 2, TestContext.Current.CancellationToken);

        Should.Throw<IOException>(() => stream.CopyTo(Stream.Null));
    }

    [Fact]
    public void Disposing_before_the_end_stops_the_read_ahead()
    {
        var source = new TricklingStream(new byte[10_000_000], failAfter: null);
        var stream = new ReadAheadStream(source, chunkBytes: 4096, depth: 2, TestContext.Current.CancellationToken);
        stream.ReadExactly(new byte[100]);

        stream.Dispose();

        source.Disposed.ShouldBeTrue();
        source.Served.ShouldBeLessThan(10_000_000);
    }

    private sealed class TricklingStream(byte[] data, int? failAfter) : MemoryStream(data, writable: false)
    {
        public bool Disposed { get; private set; }

        public long Served { get; private set; }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            if (failAfter is { } limit && Position >= limit)
            {
                throw new IOException("connection reset");
            }

            var n = await base.ReadAsync(buffer[..Math.Min(buffer.Length, 1777)], cancellationToken);
            Served += n;
            return n;
        }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }
}
