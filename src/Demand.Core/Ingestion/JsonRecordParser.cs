using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Demand.Core.Ingestion;

/// <summary>
/// One JSON Lines record → canonical fields. Nearly every log line is a flat object of unescaped strings,
/// numbers and literals; <see cref="TryParseFlat"/> scans exactly that shape in one pass and hands anything
/// else (escapes, nested values, comments, any syntax error) to <see cref="Utf8JsonReader"/>, so results and
/// reject messages are the reader's whenever the line is not plain.
/// </summary>
internal sealed class JsonRecordParser : IRecordParser
{
    // What ends a plain string: its closing quote, or what the fast path leaves to the reader (escapes, control bytes).
    private static readonly SearchValues<byte> StringStops = SearchValues.Create(
        [(byte)'"', (byte)'\\', 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31]);

    private readonly byte[][] _names;

    // Field indexes by name length: a property name is compared with at most a couple of candidates.
    private readonly int[][] _byLength;

    public JsonRecordParser(LogMapping mapping)
    {
        _names = new byte[FieldValues.Count][];
        for (var i = 0; i < FieldValues.Count; i++)
        {
            var field = LogMapping.Fields[i];
            var name = mapping.Columns.TryGetValue(field, out var column)
                ? column.ValueKind == JsonValueKind.String ? column.GetString()! : throw new InvalidDataException($"Mapping '{mapping.Name}': JSON Lines columns are property names, not positions ('{field}').")
                : field;
            _names[i] = Encoding.UTF8.GetBytes(name);
        }

        var longest = _names.Max(n => n.Length);
        _byLength = new int[longest + 1][];
        for (var length = 0; length <= longest; length++)
        {
            _byLength[length] = [.. Enumerable.Range(0, FieldValues.Count).Where(i => _names[i].Length == length)];
        }
    }

    public RejectReason? Parse(ReadOnlySpan<byte> record, FieldValues values, out string? detail)
    {
        detail = null;
        if (TryParseFlat(record, values))
        {
            return null;
        }

        values.Reset();
        return ParseWithReader(record, values, out detail);
    }

    /// <summary>The canonical field a raw (unescaped) property name binds to, or -1.</summary>
    private int FieldOf(ReadOnlySpan<byte> name)
    {
        if (name.Length >= _byLength.Length)
        {
            return -1;
        }

        foreach (var field in _byLength[name.Length])
        {
            if (name.SequenceEqual(_names[field]))
            {
                return field;
            }
        }

        return -1;
    }

    /// <summary>
    /// A flat object of plain values, accepted exactly when <see cref="Utf8JsonReader"/> would accept it and with
    /// the same field values (last duplicate wins, null leaves a field unset). False means "not plain": the caller
    /// starts over with the reader, which either accepts the line or says precisely what is wrong.
    /// </summary>
    private bool TryParseFlat(ReadOnlySpan<byte> r, FieldValues values)
    {
        var i = SkipWhitespace(r, 0);
        if (i >= r.Length || r[i] != '{')
        {
            return false;
        }

        i = SkipWhitespace(r, i + 1);
        if (i < r.Length && r[i] == '}')
        {
            return OnlyBlanksAfter(r, i + 1);
        }

        while (true)
        {
            if (i >= r.Length || r[i] != '"')
            {
                return false;
            }

            var nameLength = r[(i + 1)..].IndexOfAny(StringStops);
            if (nameLength < 0 || r[i + 1 + nameLength] != '"')
            {
                return false;
            }

            var field = FieldOf(r.Slice(i + 1, nameLength));
            i = SkipWhitespace(r, i + nameLength + 2);
            if (i >= r.Length || r[i] != ':')
            {
                return false;
            }

            i = SkipWhitespace(r, i + 1);
            if (i >= r.Length)
            {
                return false;
            }

            int start, end;
            switch (r[i])
            {
                case (byte)'"':
                    var length = r[(i + 1)..].IndexOfAny(StringStops);
                    if (length < 0 || r[i + 1 + length] != '"')
                    {
                        return false;
                    }

                    start = i + 1;
                    end = start + length;
                    i = end + 1;
                    break;
                case (byte)'-' or (>= (byte)'0' and <= (byte)'9'):
                    start = i;
                    end = i = NumberEnd(r, i);
                    if (end < 0)
                    {
                        return false;
                    }

                    break;
                case (byte)'t' when r[i..].StartsWith("true"u8):
                    start = i;
                    end = i += 4;
                    break;
                case (byte)'f' when r[i..].StartsWith("false"u8):
                    start = i;
                    end = i += 5;
                    break;
                case (byte)'n' when r[i..].StartsWith("null"u8):
                    start = end = -1;
                    i += 4;
                    break;
                default:
                    return false; // objects, arrays, anything invalid
            }

            if (field >= 0 && start >= 0)
            {
                values.Set(field, r[start..end]);
            }

            i = SkipWhitespace(r, i);
            if (i >= r.Length)
            {
                return false;
            }

            if (r[i] == '}')
            {
                return OnlyBlanksAfter(r, i + 1);
            }

            if (r[i] != ',')
            {
                return false;
            }

            i = SkipWhitespace(r, i + 1);
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static int SkipWhitespace(ReadOnlySpan<byte> r, int i)
    {
        // Compact logs have no whitespace between tokens: one compare and out.
        if (i < r.Length && r[i] > ' ')
        {
            return i;
        }

        while (i < r.Length && r[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            i++;
        }

        return i;
    }

    // Same rule as the reader path: only spaces and tabs may follow the object.
    private static bool OnlyBlanksAfter(ReadOnlySpan<byte> r, int i) => r[i..].IndexOfAnyExcept((byte)' ', (byte)'\t') < 0;

    /// <summary>End of an RFC 8259 number starting at <paramref name="i"/>, or -1 (leading zeros, a bare sign or dot, an empty exponent).</summary>
    private static int NumberEnd(ReadOnlySpan<byte> r, int i)
    {
        if (r[i] == '-' && ++i >= r.Length)
        {
            return -1;
        }

        if (r[i] == '0')
        {
            i++;
        }
        else if (IsDigit(r, i))
        {
            i = Digits(r, i);
        }
        else
        {
            return -1;
        }

        if (i < r.Length && r[i] == '.')
        {
            if (!IsDigit(r, ++i))
            {
                return -1;
            }

            i = Digits(r, i);
        }

        if (i < r.Length && r[i] is (byte)'e' or (byte)'E')
        {
            if (++i < r.Length && r[i] is (byte)'+' or (byte)'-')
            {
                i++;
            }

            if (!IsDigit(r, i))
            {
                return -1;
            }

            i = Digits(r, i);
        }

        return i;
    }

    private static bool IsDigit(ReadOnlySpan<byte> r, int i) => i < r.Length && (uint)(r[i] - '0') <= 9;

    private static int Digits(ReadOnlySpan<byte> r, int i)
    {
        while (IsDigit(r, i))
        {
            i++;
        }

        return i;
    }

    /// <summary>The reader path alone: what <see cref="Parse"/> falls back to, and the reference its fast path is tested against.</summary>
    internal RejectReason? ParseWithReader(ReadOnlySpan<byte> record, FieldValues values, out string? detail)
    {
        detail = null;
        try
        {
            var reader = new Utf8JsonReader(record, new JsonReaderOptions { MaxDepth = 16 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                detail = "not a JSON object";
                return RejectReason.InvalidJson;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var field = -1;
                if (reader.ValueIsEscaped)
                {
                    for (var i = 0; i < _names.Length && field < 0; i++)
                    {
                        field = reader.ValueTextEquals(_names[i]) ? i : -1;
                    }
                }
                else
                {
                    field = FieldOf(reader.ValueSpan);
                }

                reader.Read();
                if (field < 0)
                {
                    reader.Skip();
                    continue;
                }

                switch (reader.TokenType)
                {
                    case JsonTokenType.String:
                        if (reader.ValueIsEscaped)
                        {
                            var slot = values.Reserve(reader.ValueSpan.Length);
                            values.Commit(field, reader.CopyString(slot));
                        }
                        else
                        {
                            values.Set(field, reader.ValueSpan);
                        }

                        break;
                    case JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False:
                        values.Set(field, reader.ValueSpan);
                        break;
                    case JsonTokenType.Null:
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.BytesConsumed != record.Length && record[(int)reader.BytesConsumed..].IndexOfAnyExcept((byte)' ', (byte)'\t') >= 0)
            {
                detail = "trailing content after the object";
                return RejectReason.InvalidJson;
            }

            return null;
        }
        catch (JsonException ex)
        {
            detail = ex.Message.Length > 200 ? ex.Message[..200] : ex.Message;
            return RejectReason.InvalidJson;
        }
    }
}
