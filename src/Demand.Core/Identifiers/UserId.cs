using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Demand.Core.Identifiers;

/// <summary>
/// A shopper's id as the merchant knows it: 1–128 UTF-8 bytes of printable characters, none of '#', '/', '\', '?'
/// (they end or split a Cosmos DB document id or a URL path) nor '%' (a client or gateway that decodes escapes would
/// turn <c>u5%23</c> into <c>u5#</c>, then into <c>u5</c>), no control, format, private-use, unassigned or
/// line/paragraph separator characters, and no whitespace at either end (so never whitespace-only). It is the id of
/// the shopper's <c>features</c> and <c>profiles</c> documents; docs/log-format.md and docs/api.md state the rule.
/// </summary>
[JsonConverter(typeof(UserIdJsonConverter))]
public readonly record struct UserId : IComparable<UserId>
{
    public const int MaxBytes = 128;

    public const string Rule = "1–128 UTF-8 bytes of printable characters, without '#', '/', '\\', '?' or '%' and without whitespace at either end";

    private readonly string? _value;

    private UserId(string value) => _value = value;

    /// <summary>The validated id; throws on <c>default(UserId)</c>, which no parse ever returns.</summary>
    public string Value => _value ?? throw new InvalidOperationException("An uninitialised UserId.");

    public static bool TryParse([NotNullWhen(true)] string? value, out UserId id) => TryParse(value, out id, out _);

    /// <summary>Parses <paramref name="value"/> or says, in words a merchant understands, why it is not a user id.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, out UserId id, [NotNullWhen(false)] out string? reason)
    {
        id = default;
        reason = Check(value);
        if (reason is not null)
        {
            return false;
        }

        id = new UserId(value!);
        return true;
    }

    /// <summary>Parses a value that must already be valid (stored documents, queue messages, tests); throws <see cref="FormatException"/> otherwise.</summary>
    public static UserId Parse(string value) =>
        TryParse(value, out var id, out var reason) ? id : throw new FormatException($"'{value}' is not a user id: {reason}.");

    /// <summary>
    /// The same rule on a log field's UTF-8 bytes (already known to be valid UTF-8), without allocating for ASCII ids:
    /// null when valid, else the reason.
    /// </summary>
    public static string? Check(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return "it is empty";
        }

        if (utf8.Length > MaxBytes)
        {
            return $"it is longer than {MaxBytes} UTF-8 bytes";
        }

        foreach (var b in utf8)
        {
            if (b >= 0x80)
            {
                return Check(Encoding.UTF8.GetString(utf8));
            }
        }

        foreach (var b in utf8)
        {
            if (b is < 0x20 or 0x7F)
            {
                return "it contains a control character";
            }

            if (b is (byte)'#' or (byte)'/' or (byte)'\\' or (byte)'?' or (byte)'%')
            {
                return $"it contains '{(char)b}' ('#', '/', '\\', '?' and '%' are not allowed)";
            }
        }

        return utf8[0] == ' ' || utf8[^1] == ' ' ? "it starts or ends with whitespace" : null;
    }

    public static implicit operator string(UserId id) => id.Value;

    public int CompareTo(UserId other) => string.CompareOrdinal(_value, other._value);

    public override string ToString() => _value ?? "";

    private static string? Check(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "it is empty";
        }

        int bytes;
        try
        {
            bytes = new UTF8Encoding(false, throwOnInvalidBytes: true).GetByteCount(value);
        }
        catch (EncoderFallbackException)
        {
            return "it contains an unpaired surrogate";
        }

        if (bytes > MaxBytes)
        {
            return $"it is longer than {MaxBytes} UTF-8 bytes";
        }

        if (char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1]))
        {
            return "it starts or ends with whitespace";
        }

        foreach (var rune in value.EnumerateRunes())
        {
            if (rune.Value is '#' or '/' or '\\' or '?' or '%')
            {
                return $"it contains '{(char)rune.Value}' ('#', '/', '\\', '?' and '%' are not allowed)";
            }

            switch (Rune.GetUnicodeCategory(rune))
            {
                case UnicodeCategory.Control:
                    return "it contains a control character";
                case UnicodeCategory.Format or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned or UnicodeCategory.Surrogate
                    or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator:
                    return $"it contains the invisible or unassigned character U+{rune.Value:X4}";
            }
        }

        return null;
    }
}

/// <summary>Reads and writes a <see cref="UserId"/> as a JSON string; an invalid one is a <see cref="JsonException"/>.</summary>
public sealed class UserIdJsonConverter : JsonConverter<UserId>
{
    public override UserId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var value = reader.TokenType == JsonTokenType.String ? reader.GetString() : throw new JsonException("A user id is a JSON string.");
        return UserId.TryParse(value, out var id, out var reason) ? id : throw new JsonException($"Not a user id: {reason}.");
    }

    public override void Write(Utf8JsonWriter writer, UserId value, JsonSerializerOptions options) => writer.WriteStringValue(value.Value);
}
