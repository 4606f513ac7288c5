using System.Text.Json;
using Demand.Core.Identifiers;

namespace Demand.Core.Tests.Identifiers;

public sealed class IdentifierTests
{
    [Theory]
    [InlineData("m1")]
    [InlineData("m")]
    [InlineData("shop-2b")]
    [InlineData("0a")]
    public void Merchant_ids_of_lowercase_letters_digits_and_dashes_are_accepted(string value)
    {
        MerchantId.TryParse(value, out var id, out var reason).ShouldBeTrue(reason);
        id.Value.ShouldBe(value);
    }

    [Theory]
    [InlineData("mapping.m2")]
    [InlineData("m.x")]
    [InlineData("mérchant-1")]
    [InlineData("../x")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("M1")]
    [InlineData("-m1")]
    [InlineData("m_1")]
    [InlineData("m 1")]
    [InlineData("a123456789012345678901234567890123456789012345678901234567890123")]
    public void Merchant_ids_that_could_collide_with_documents_or_break_paths_and_keys_are_refused_with_a_reason(string? value)
    {
        MerchantId.TryParse(value, out _, out var reason).ShouldBeFalse();
        reason.ShouldNotBeNullOrWhiteSpace();
    }

    [Theory]
    [InlineData("u000005")]
    [InlineData("shopper@example.com")]
    [InlineData("Ünïcödé-用户")]
    [InlineData("a b")]
    [InlineData("1.5")]
    public void User_ids_of_printable_characters_are_accepted(string value) =>
        UserId.TryParse(value, out _, out var reason).ShouldBeTrue(reason);

    [Theory]
    [InlineData("u000005#")]
    [InlineData("u000012?")]
    [InlineData("u000016\\")]
    [InlineData("bb#1")]
    [InlineData("a/b")]
    [InlineData("u000005%23")]
    [InlineData("   ")]
    [InlineData(" u1")]
    [InlineData("u1\t")]
    [InlineData("u\n1")]
    [InlineData("u\u00851")]
    [InlineData("u\u200B1")]
    [InlineData("u\u202E1")]
    [InlineData("")]
    [InlineData(null)]
    public void User_ids_that_would_end_split_or_hide_a_document_id_are_refused_with_a_reason(string? value)
    {
        UserId.TryParse(value, out _, out var reason).ShouldBeFalse();
        reason.ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public void A_user_id_is_limited_to_128_utf8_bytes_not_characters()
    {
        UserId.TryParse(new string('a', 128), out _).ShouldBeTrue();
        UserId.TryParse(new string('a', 129), out _).ShouldBeFalse();
        UserId.TryParse(new string('é', 64), out _).ShouldBeTrue();
        UserId.TryParse(new string('é', 65), out _).ShouldBeFalse();
    }

    [Fact]
    public void The_utf8_check_of_log_fields_agrees_with_the_string_rule()
    {
        foreach (var value in new[] { "u1", "bb#1", " u1", "u\u00851", "Ünï", "a\u200Bb", new string('a', 129), "a%b", "   " })
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(value);
            (UserId.Check(bytes) is null).ShouldBe(UserId.TryParse(value, out _), value);
        }
    }

    [Fact]
    public void Ids_round_trip_as_json_strings_and_an_invalid_one_is_a_json_error()
    {
        var json = JsonSerializer.Serialize(new Pair(MerchantId.Parse("m1"), UserId.Parse("u1")), DemandJson.Options);

        json.ShouldBe("""{"merchant":"m1","user":"u1"}""");
        JsonSerializer.Deserialize<Pair>(json, DemandJson.Options).ShouldBe(new Pair(MerchantId.Parse("m1"), UserId.Parse("u1")));
        Should.Throw<JsonException>(() => JsonSerializer.Deserialize<Pair>("""{"merchant":"m.x","user":"u1"}""", DemandJson.Options));
        Should.Throw<JsonException>(() => JsonSerializer.Deserialize<Pair>("""{"merchant":"m1","user":"bb#1"}""", DemandJson.Options));
    }

    private sealed record Pair(MerchantId Merchant, UserId User);
}
