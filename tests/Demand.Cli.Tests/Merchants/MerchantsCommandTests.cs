using Demand.Cli.Commands;

namespace Demand.Cli.Tests.Merchants;

public sealed class MerchantsCommandTests
{
    [Theory]
    [InlineData("mapping.m2")]
    [InlineData("m.x")]
    [InlineData("mérchant-1")]
    [InlineData("../x")]
    [InlineData("")]
    public void Adding_a_merchant_with_an_invalid_id_is_refused_with_the_rule_before_connecting(string id)
    {
        var parse = MerchantsCommand.Create().Parse(["add", id, "--settings", "does-not-exist.json"]);

        var error = parse.Errors.ShouldHaveSingleItem().Message;
        error.ShouldContain("is not a valid merchant id");
        error.ShouldContain("lowercase ASCII letters");
    }

    [Fact]
    public void A_valid_merchant_id_parses_without_errors()
    {
        MerchantsCommand.Create().Parse(["add", "shop-1"]).Errors.ShouldBeEmpty();
    }
}
