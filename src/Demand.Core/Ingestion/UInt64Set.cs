namespace Demand.Core.Ingestion;

/// <summary>
/// The per-part duplicate set: open addressing with linear probing, 8 bytes a slot, at most 3/4 full.
/// A <see cref="HashSet{T}"/> of ulong costs ~20 bytes an entry plus a prime-sized copy on every resize,
/// which dominated peak memory when streaming a 1 GB part (6 M events).
/// </summary>
internal sealed class UInt64Set
{
    /// <summary>The largest initial table (2 MiB): bigger parts grow past it only as far as they really need.</summary>
    public const int MaxInitialCapacity = 196_608;

    private ulong[] _slots;
    private bool _hasZero;
    private int _mask;

    /// <param name="expected">Values expected (a hint): the table starts large enough for them, up to <see cref="MaxInitialCapacity"/>, so it rarely regrows.</param>
    public UInt64Set(int expected = 768)
    {
        // At most 3/4 full: 768 values → 1,024 slots, MaxInitialCapacity → 262,144 slots.
        var slots = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(Math.Clamp(expected, 768, MaxInitialCapacity) * 4 / 3));
        _slots = new ulong[slots];
        _mask = slots - 1;
    }

    public int Count { get; private set; }

    /// <summary>Adds <paramref name="value"/>; false when it was already present.</summary>
    public bool Add(ulong value)
    {
        if (value == 0)
        {
            // 0 marks an empty slot, so it is tracked on the side.
            if (_hasZero)
            {
                return false;
            }

            _hasZero = true;
            Count++;
            return true;
        }

        if ((Count + 1) * 4L > _slots.Length * 3L)
        {
            Grow();
        }

        var i = (int)(Mix(value) & (ulong)_mask);
        while (true)
        {
            var slot = _slots[i];
            if (slot == 0)
            {
                _slots[i] = value;
                Count++;
                return true;
            }

            if (slot == value)
            {
                return false;
            }

            i = (i + 1) & _mask;
        }
    }

    private void Grow()
    {
        var old = _slots;
        _slots = new ulong[old.Length * 2];
        _mask = _slots.Length - 1;
        foreach (var value in old)
        {
            if (value != 0)
            {
                var i = (int)(Mix(value) & (ulong)_mask);
                while (_slots[i] != 0)
                {
                    i = (i + 1) & _mask;
                }

                _slots[i] = value;
            }
        }
    }

    // Fibonacci hashing spreads the keys' bits over the low bits used as the index.
    private static ulong Mix(ulong value) => (value * 0x9E3779B97F4A7C15UL) >> 17;
}
