using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using Demand.Core.Mining;

namespace Demand.Infrastructure.Mining;

/// <summary>The review data sent to the model, and validation of what comes back.</summary>
internal static class NeedAnswer
{
    private const int MaxField = 200;

    // Letters of every script stay as they are (a CJK character escaped as \uXXXX costs several tokens), while
    // quotes and angle brackets stay escaped so review text cannot close the JSON or the <reviews> delimiter.
    private static readonly JsonWriterOptions Writer = new() { Encoder = JavaScriptEncoder.Create(UnicodeRanges.All) };

    /// <summary>
    /// <c>&lt;reviews&gt;[{"i":0,"t":"…"},…]&lt;/reviews&gt;</c>. The JSON encoder escapes quotes, angle brackets and
    /// control characters inside review text, so a review cannot close the array or the delimiter.
    /// </summary>
    public static string Data(IReadOnlyList<ReviewInput> batch)
    {
        var buffer = new ArrayBufferWriter<byte>(256 * batch.Count);
        using (var writer = new Utf8JsonWriter(buffer, Writer))
        {
            writer.WriteStartArray();
            for (var i = 0; i < batch.Count; i++)
            {
                writer.WriteStartObject();
                writer.WriteNumber("i", i);
                writer.WriteString("t", batch[i].Text);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return "<reviews>\n" + Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n</reviews>";
    }

    /// <summary>
    /// The answer must hold every index of the batch exactly once — a review that makes the model echo fake JSON
    /// cannot produce that for reviews it cannot see — else <see cref="JsonException"/>. Needs that fail validation
    /// (bad fields, evidence not found verbatim in their own review) are dropped and counted in <paramref name="invalid"/>.
    /// </summary>
    public static IReadOnlyList<MinedReview> Parse(IReadOnlyList<ReviewInput> batch, string? json, out int valid, out int invalid)
    {
        valid = 0;
        invalid = 0;
        using var document = JsonDocument.Parse(string.IsNullOrEmpty(json) ? throw new JsonException("empty answer") : json);
        if (document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("reviews", out var entries) || entries.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("no reviews array");
        }

        var needs = new List<MinedNeed>?[batch.Count];
        foreach (var entry in entries.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object || !entry.TryGetProperty("i", out var review) || review.ValueKind != JsonValueKind.Number
                || !review.TryGetInt32(out var index) || index < 0 || index >= batch.Count || needs[index] is not null
                || !entry.TryGetProperty("needs", out var items) || items.ValueKind != JsonValueKind.Array)
            {
                throw new JsonException("an entry names no review of the batch, or one twice");
            }

            var list = needs[index] = [];
            foreach (var item in items.EnumerateArray())
            {
                if (Validate(batch[index].Text, item) is { } need)
                {
                    if (!list.Exists(n => n.Need == need.Need && n.Polarity == need.Polarity))
                    {
                        list.Add(need);
                    }

                    valid++;
                }
                else
                {
                    invalid++;
                }
            }
        }

        if (Array.IndexOf(needs, null) is var missing and >= 0)
        {
            throw new JsonException($"review {missing} of the batch is missing from the answer");
        }

        return needs.Select(n => new MinedReview(n!)).ToList();
    }

    private static MinedNeed? Validate(string text, JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object
            || !TryString(item, "aspect", out var aspect) || !TryString(item, "need", out var need)
            || !TryString(item, "evidence", out var evidence) || !TryString(item, "polarity", out var polarity)
            || polarity is not ("negative" or "neutral" or "positive")
            || !item.TryGetProperty("severity", out var severityElement) || severityElement.ValueKind != JsonValueKind.Number
            || !severityElement.TryGetInt32(out var severity) || severity is < 1 or > 3
            || !text.Contains(evidence, StringComparison.Ordinal))
        {
            return null;
        }

        aspect = NeedTaxonomy.Normalise(aspect);
        need = NeedTaxonomy.Normalise(need);
        // Whatever phrase the model put on praise or a mention, it is not a need: the three-way label decides.
        return aspect.Length == 0 || need.Length == 0 ? null : new MinedNeed(aspect, AspectNeeds.Label(aspect, need, polarity), polarity, polarity == AspectNeeds.Negative ? severity : 1, evidence);
    }

    private static bool TryString(JsonElement item, string name, out string value)
    {
        value = item.TryGetProperty(name, out var element) && element.ValueKind == JsonValueKind.String ? element.GetString()! : string.Empty;
        return !string.IsNullOrWhiteSpace(value) && value.Length <= MaxField;
    }
}
