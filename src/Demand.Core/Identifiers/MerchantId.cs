using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Demand.Core.Identifiers;

/// <summary>
/// A merchant's id: 1–63 characters, lowercase ASCII letters, digits and '-', starting with a letter or a digit
/// (docs/api.md, "Identifiers"). It is a blob path segment (<c>logs/{merchantId}/…</c>), a Cosmos DB partition key,
/// part of API keys (<c>dk.{merchantId}.…</c>) and of document ids (<c>mapping.{merchantId}</c>); the rule forbids '.'
/// so no merchant id can ever equal another kind's document id.
/// </summary>
[JsonConverter(typeof(MerchantIdJsonConverter))]
public readonly record struct MerchantId : IComparable<MerchantId>
{
    public const int MaxLength = 63;

    public const string Rule = "1–63 characters: lowercase ASCII letters, digits and '-', starting with a letter or a digit";

    private readonly string? _value;

    private MerchantId(string value) => _value = value;

    /// <summary>The validated id; throws on <c>default(MerchantId)</c>, which no parse ever returns.</summary>
    public string Value => _value ?? throw new InvalidOperationException("An uninitialised MerchantId.");

    public static bool TryParse([NotNullWhen(true)] string? value, out MerchantId id) => TryParse(value, out id, out _);

    /// <summary>Parses <paramref name="value"/> or says, in words a merchant understands, why it is not a merchant id.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, out MerchantId id, [NotNullWhen(false)] out string? reason)
    {
        id = default;
        reason = Check(value);
        if (reason is not null)
        {
            return false;
        }

        id = new MerchantId(value!);
        return true;
    }

    /// <summary>Parses a value that must already be valid (configuration, tests, stored documents); throws <see cref="FormatException"/> otherwise.</summary>
    public static MerchantId Parse(string value) =>
        TryParse(value, out var id, out var reason) ? id : throw new FormatException($"'{value}' is not a merchant id: {reason}.");

    public static implicit operator string(MerchantId id) => id.Value;

    public int CompareTo(MerchantId other) => string.CompareOrdinal(_value, other._value);

    public override string ToString() => _value ?? "";

    private static string? Check(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "it is empty";
        }

        if (value.Length > MaxLength)
        {
            return $"it is longer than {MaxLength} characters";
        }

        if (!char.IsAsciiLetterLower(value[0]) && !char.IsAsciiDigit(value[0]))
        {
            return "it must start with a lowercase letter or a digit";
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c) && c != '-')
            {
                return "only lowercase ASCII letters, digits and '-' are allowed";
            }
        }

        return null;
    }
}

/// <summary>Reads and writes a <see cref="MerchantId"/> as a JSON string; an invalid one is a <see cref="JsonException"/>.</summary>
public sealed class MerchantIdJsonConverter : JsonConverter<MerchantId>
{
    public override MerchantId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var value = reader.TokenType == JsonTokenType.String ? reader.GetString() : throw new JsonException("A merchant id is a JSON string.");
        return MerchantId.TryParse(value, out var id, out var reason) ? id : throw new JsonException($"Not a merchant id: {reason}.");
    }

    public override void Write(Utf8JsonWriter writer, MerchantId value, JsonSerializerOptions options) => writer.WriteStringValue(value.Value);
}
