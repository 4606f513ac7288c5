namespace Demand.Core.Ingestion;

/// <summary>
/// The value looked up for the previous UTF-8 key. Logs mostly come grouped by user, session or category, so
/// consecutive rows usually repeat a key and skip the hash lookup (and, for users, the erasure check).
/// </summary>
internal sealed class LastKeyCache<T>
{
    private byte[] _key = new byte[64];
    private int _length = -1;
    private T _value = default!;

    public bool TryGet(ReadOnlySpan<byte> key, out T value)
    {
        value = _value;
        return _length == key.Length && key.SequenceEqual(_key.AsSpan(0, _length));
    }

    public void Set(ReadOnlySpan<byte> key, T value)
    {
        if (key.Length > _key.Length)
        {
            _key = new byte[key.Length];
        }

        key.CopyTo(_key);
        _length = key.Length;
        _value = value;
    }
}
