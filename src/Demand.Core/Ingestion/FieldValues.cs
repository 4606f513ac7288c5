namespace Demand.Core.Ingestion;

/// <summary>Canonical fields of one record, as UTF-8 slices of one reusable scratch buffer (no per-record allocation).</summary>
internal sealed class FieldValues
{
    public const int EventId = 0;
    public const int UserId = 1;
    public const int Type = 2;
    public const int Timestamp = 3;
    public const int ProductId = 4;
    public const int CategoryId = 5;
    public const int Price = 6;
    public const int Quantity = 7;
    public const int Query = 8;
    public const int Rating = 9;
    public const int Text = 10;
    public const int SessionId = 11;
    public const int Count = 12;

    private readonly int[] _start = new int[Count];
    private readonly int[] _length = new int[Count];
    private byte[] _scratch = new byte[4096];
    private int _used;

    public void Reset()
    {
        Array.Fill(_length, -1);
        _used = 0;
    }

    public bool Has(int field) => _length[field] > 0;

    public ReadOnlySpan<byte> Get(int field) => _length[field] > 0 ? _scratch.AsSpan(_start[field], _length[field]) : default;

    public void Set(int field, ReadOnlySpan<byte> value)
    {
        var target = Reserve(value.Length);
        value.CopyTo(target);
        Commit(field, value.Length);
    }

    /// <summary>A writable slot of <paramref name="capacity"/> bytes; call <see cref="Commit"/> with the bytes written.</summary>
    public Span<byte> Reserve(int capacity)
    {
        if (_used + capacity > _scratch.Length)
        {
            Array.Resize(ref _scratch, Math.Max(_scratch.Length * 2, _used + capacity));
        }

        return _scratch.AsSpan(_used, capacity);
    }

    public void Commit(int field, int written)
    {
        _start[field] = _used;
        _length[field] = written;
        _used += written;
    }
}
