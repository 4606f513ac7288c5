namespace Demand.Infrastructure.Onnx;

/// <summary>
/// Reads <c>ModelProto.metadata_props</c> (field 14: key = 1, value = 2) straight from the ONNX protobuf, so a
/// model whose feature list does not match the code is refused before a session is created.
/// </summary>
public static class OnnxMetadata
{
    public static IReadOnlyDictionary<string, string> Read(ReadOnlySpan<byte> model)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var position = 0;
        while (position < model.Length)
        {
            var key = ReadVarint(model, ref position);
            var field = (int)(key >> 3);
            var wire = (int)(key & 7);
            switch (wire)
            {
                case 0:
                    ReadVarint(model, ref position);
                    break;
                case 1:
                    position += 8;
                    break;
                case 5:
                    position += 4;
                    break;
                case 2:
                    var length = (int)ReadVarint(model, ref position);
                    if (field == 14)
                    {
                        var entry = model.Slice(position, length);
                        string? k = null, v = null;
                        var p = 0;
                        while (p < entry.Length)
                        {
                            var tag = ReadVarint(entry, ref p);
                            var len = (int)ReadVarint(entry, ref p);
                            var text = System.Text.Encoding.UTF8.GetString(entry.Slice(p, len));
                            if (tag >> 3 == 1)
                            {
                                k = text;
                            }
                            else if (tag >> 3 == 2)
                            {
                                v = text;
                            }

                            p += len;
                        }

                        if (k is not null)
                        {
                            result[k] = v ?? "";
                        }
                    }

                    position += length;
                    break;
                default:
                    throw new InvalidDataException($"Not an ONNX model: unexpected protobuf wire type {wire} at byte {position}.");
            }
        }

        return result;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= data.Length)
            {
                throw new InvalidDataException("Not an ONNX model: truncated protobuf.");
            }

            var b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new InvalidDataException("Not an ONNX model: malformed varint.");
    }
}
