using System.Text;
using System.Text.Json;

namespace Demand.Core.Ingestion;

/// <summary>RFC 4180 CSV records: quoted fields (<c>""</c> escapes a quote), any single-byte delimiter, columns by header name or position.</summary>
internal sealed class CsvRecordParser : IRecordParser
{
    private readonly byte _delimiter;
    private readonly LogMapping _mapping;
    private readonly int[] _positions;
    private int _expectedColumns;
    private bool _needsHeader;

    // Column → field index (or -1), as long as the furthest mapped column: exports put the fields anywhere (70+ columns).
    private int[] _fieldOf = [];

    public CsvRecordParser(LogMapping mapping)
    {
        _mapping = mapping;
        _delimiter = (byte)mapping.Delimiter;
        _needsHeader = mapping.Header;
        _positions = new int[FieldValues.Count];
        if (!mapping.Header)
        {
            for (var i = 0; i < FieldValues.Count; i++)
            {
                var field = LogMapping.Fields[i];
                _positions[i] = mapping.Columns.Count == 0 ? i : mapping.Columns.TryGetValue(field, out var c) ? c.GetInt32() : -1;
            }

            _expectedColumns = _positions.Max() + 1;
            _fieldOf = FieldOf(_positions);
        }
    }

    public bool NeedsHeader => _needsHeader;

    /// <summary>Fields without which no row can be accepted: a header lacking one is refused whole, with the reason.</summary>
    private static readonly string[] RequiredFields = ["userId", "type", "timestamp"];

    /// <summary>
    /// Reads the header record: names map to positions (case-insensitive). Returns a problem a merchant can act on
    /// when a mapped or required column is missing — including a file without a header, whose first row would
    /// otherwise be taken for one and lost.
    /// </summary>
    public string? ReadHeader(ReadOnlySpan<byte> record)
    {
        var names = Split(record).Select(n => n.Trim()).ToList();
        var missing = new List<string>();
        for (var i = 0; i < FieldValues.Count; i++)
        {
            var field = LogMapping.Fields[i];
            if (_mapping.Columns.TryGetValue(field, out var c))
            {
                _positions[i] = c.ValueKind == JsonValueKind.Number ? c.GetInt32() : names.FindIndex(n => n.Equals(c.GetString(), StringComparison.OrdinalIgnoreCase));
                if (_positions[i] < 0)
                {
                    return $"the mapping reads {field} from column '{c.GetString()}', which is not in the header ({Shown(names)})";
                }
            }
            else
            {
                _positions[i] = names.FindIndex(n => n.Equals(field, StringComparison.OrdinalIgnoreCase));
                if (_positions[i] < 0 && RequiredFields.Contains(field))
                {
                    missing.Add(field);
                }
            }
        }

        if (missing.Count == RequiredFields.Length)
        {
            return $"the first line ({Shown(names)}) is not a header naming userId, type and timestamp columns. "
                + "If the file has no header, register a mapping with \"header\": false and column positions; otherwise name the columns in the header or map them";
        }

        if (missing.Count > 0)
        {
            return $"the header ({Shown(names)}) has no {string.Join(", ", missing)} column: add it, or map it to one of the header's columns";
        }

        _expectedColumns = names.Count;
        _fieldOf = FieldOf(_positions);
        _needsHeader = false;
        return null;
    }

    public RejectReason? Parse(ReadOnlySpan<byte> record, FieldValues values, out string? detail)
    {
        detail = null;
        var fieldOf = _fieldOf;
        var column = 0;
        var pos = 0;
        while (true)
        {
            var target = column < fieldOf.Length ? fieldOf[column] : -1;
            if (pos < record.Length && record[pos] == '"')
            {
                // Quoted field: "" is a quote; delimiters and newlines are data.
                pos++;
                var slot = target >= 0 ? values.Reserve(record.Length - pos) : default;
                var written = 0;
                var closed = false;
                while (pos < record.Length)
                {
                    var b = record[pos++];
                    if (b == '"')
                    {
                        if (pos < record.Length && record[pos] == '"')
                        {
                            pos++;
                        }
                        else
                        {
                            closed = true;
                            break;
                        }
                    }

                    if (target >= 0)
                    {
                        slot[written] = b;
                    }

                    written++;
                }

                if (!closed)
                {
                    detail = $"unterminated quoted field in column {column + 1}";
                    return RejectReason.WrongColumnCount;
                }

                if (target >= 0 && written > 0)
                {
                    values.Commit(target, written);
                }

                if (pos < record.Length && record[pos] != _delimiter)
                {
                    detail = $"characters after the closing quote in column {column + 1}";
                    return RejectReason.WrongColumnCount;
                }
            }
            else
            {
                var rest = record[pos..];
                var end = rest.IndexOf(_delimiter);
                var value = end < 0 ? rest : rest[..end];
                if (target >= 0 && !value.IsEmpty)
                {
                    values.Set(target, value);
                }

                pos += value.Length;
            }

            column++;
            if (pos >= record.Length)
            {
                break;
            }

            pos++; // delimiter
            if (pos == record.Length)
            {
                column++; // trailing empty field
                break;
            }
        }

        if (_mapping.Header ? column != _expectedColumns : column < _expectedColumns)
        {
            detail = $"{column} columns, expected {_expectedColumns}";
            return RejectReason.WrongColumnCount;
        }

        return null;
    }

    private static int[] FieldOf(int[] positions)
    {
        var fieldOf = new int[Math.Max(0, positions.Max() + 1)];
        Array.Fill(fieldOf, -1);
        for (var i = 0; i < positions.Length; i++)
        {
            if (positions[i] >= 0)
            {
                fieldOf[positions[i]] = i;
            }
        }

        return fieldOf;
    }

    private static string Shown(List<string> names)
    {
        var text = string.Join(",", names);
        return text.Length <= 120 ? text : text[..120] + "…";
    }

    private List<string> Split(ReadOnlySpan<byte> record)
    {
        // Header names are plain text: split on the delimiter honouring quotes.
        var names = new List<string>();
        var inQuotes = false;
        var current = new StringBuilder();
        foreach (var ch in Encoding.UTF8.GetString(record))
        {
            if (ch == '"')
            {
                inQuotes = !inQuotes;
            }
            else if (ch == (char)_delimiter && !inQuotes)
            {
                names.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(ch);
            }
        }

        names.Add(current.ToString());
        return names;
    }
}
