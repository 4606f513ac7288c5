using System.Text;

namespace Demand.Infrastructure.Onnx;

/// <summary>
/// Protocol-buffer wire encoding of one message, enough for ONNX: varint (type 0) and length-delimited (type 2) fields,
/// and whole fields copied through unchanged (<see cref="Raw"/>).
/// </summary>
internal sealed class Proto
{
    private readonly MemoryStream _buffer = new();

    public static byte[] Text(string value) => Encoding.UTF8.GetBytes(value);

    public void Varint(int field, long value)
    {
        WriteVarint((ulong)field << 3);
        WriteVarint((ulong)value);
    }

    public void Bytes(int field, ReadOnlySpan<byte> value)
    {
        WriteVarint(((ulong)field << 3) | 2);
        WriteVarint((ulong)value.Length);
        _buffer.Write(value);
    }

    public void Message(int field, Proto message) => Bytes(field, message.ToArray());

    /// <summary>A field as it was read (tag and payload), copied through.</summary>
    public void Raw(ReadOnlySpan<byte> field) => _buffer.Write(field);

    public byte[] ToArray() => _buffer.ToArray();

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        _buffer.WriteByte((byte)value);
    }
}

/// <summary>One field of a protocol-buffer message: its number, wire type, value (varint) or payload, and its whole encoding.</summary>
internal readonly record struct ProtoField(int Number, int WireType, ulong Varint, ReadOnlyMemory<byte> Payload, ReadOnlyMemory<byte> Raw)
{
    public string Text => Encoding.UTF8.GetString(Payload.Span);

    /// <summary>The fields of <paramref name="message"/>, in order.</summary>
    public static IEnumerable<ProtoField> Read(ReadOnlyMemory<byte> message)
    {
        var at = 0;
        while (at < message.Length)
        {
            var start = at;
            var tag = ReadVarint(message.Span, ref at);
            var wire = (int)(tag & 7);
            var number = (int)(tag >> 3);
            ulong value = 0;
            ReadOnlyMemory<byte> payload = default;
            switch (wire)
            {
                case 0:
                    value = ReadVarint(message.Span, ref at);
                    break;
                case 1:
                    payload = message.Slice(at, 8);
                    at += 8;
                    break;
                case 2:
                    var length = checked((int)ReadVarint(message.Span, ref at));
                    payload = message.Slice(at, length);
                    at += length;
                    break;
                case 5:
                    payload = message.Slice(at, 4);
                    at += 4;
                    break;
                default:
                    throw new InvalidDataException($"Unsupported protobuf wire type {wire} (field {number}).");
            }

            yield return new ProtoField(number, wire, value, payload, message[start..at]);
        }
    }

    /// <summary>Integers of a repeated integer field: packed (one length-delimited field) or one varint per field.</summary>
    public IEnumerable<long> Integers()
    {
        if (WireType == 0)
        {
            yield return (long)Varint;
            yield break;
        }

        var at = 0;
        while (at < Payload.Length)
        {
            yield return (long)ReadVarint(Payload.Span, ref at);
        }
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> span, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = span[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException("A protobuf varint is longer than 10 bytes.");
    }
}

/// <summary>The ONNX messages our writers build: nodes (with at most one integer attribute) and tensors.</summary>
internal static class OnnxMessages
{
    public const int FloatType = 1;
    public const int Int8Type = 3;

    /// <summary>NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5 (AttributeProto: name = 1, i = 3, type = 20, INT = 2).</summary>
    public static Proto Node(string op, IEnumerable<string> inputs, IEnumerable<string> outputs, string name, (string Name, long Value)? attribute = null)
    {
        var node = new Proto();
        foreach (var input in inputs)
        {
            node.Bytes(1, Proto.Text(input));
        }

        foreach (var output in outputs)
        {
            node.Bytes(2, Proto.Text(output));
        }

        node.Bytes(3, Proto.Text(name));
        node.Bytes(4, Proto.Text(op));
        if (attribute is { } a)
        {
            var proto = new Proto();
            proto.Bytes(1, Proto.Text(a.Name));
            proto.Varint(3, a.Value);
            proto.Varint(20, 2);
            node.Message(5, proto);
        }

        return node;
    }

    /// <summary>TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9 (little-endian values).</summary>
    public static Proto Tensor(string name, IEnumerable<long> dims, int type, ReadOnlySpan<byte> raw)
    {
        var tensor = new Proto();
        foreach (var d in dims)
        {
            tensor.Varint(1, d);
        }

        tensor.Varint(2, type);
        tensor.Bytes(8, Proto.Text(name));
        tensor.Bytes(9, raw);
        return tensor;
    }

    public static Proto Tensor(string name, IEnumerable<long> dims, float[] values) =>
        Tensor(name, dims, FloatType, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
}
