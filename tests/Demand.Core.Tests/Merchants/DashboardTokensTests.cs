using System.Security.Cryptography;
using Demand.Core.Merchants;

namespace Demand.Core.Tests.Merchants;

public sealed class DashboardTokensTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 1, 0, 0, TimeSpan.Zero);
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    [Fact]
    public void A_session_token_verifies_with_its_key_and_purpose_until_it_expires()
    {
        var token = DashboardTokens.Issue(_key, DashboardTokens.SessionPurpose, "m1", "0a1b2c3d", Now.AddMinutes(60));

        DashboardTokens.TryVerify(_key, DashboardTokens.SessionPurpose, token, Now.AddMinutes(59), out var session).ShouldBeTrue();
        session.MerchantId.ShouldBe("m1");
        session.KeyId.ShouldBe("0a1b2c3d");
        DashboardTokens.TryVerify(_key, DashboardTokens.SessionPurpose, token, Now.AddMinutes(60), out _).ShouldBeFalse("expired");
    }

    [Fact]
    public void A_token_signed_with_another_key_or_for_another_purpose_does_not_verify()
    {
        var token = DashboardTokens.Issue(_key, DashboardTokens.SignInPurpose, "m1", "0a1b2c3d", Now.AddMinutes(15));

        DashboardTokens.TryVerify(_key, DashboardTokens.SessionPurpose, token, Now, out _).ShouldBeFalse("a sign-in link is no session");
        DashboardTokens.TryVerify(RandomNumberGenerator.GetBytes(32), DashboardTokens.SignInPurpose, token, Now, out _).ShouldBeFalse();
        DashboardTokens.TryVerify(_key, DashboardTokens.SignInPurpose, token, Now, out _).ShouldBeTrue();
    }

    [Theory]
    [InlineData(0, "m2")]
    [InlineData(1, "ffffffff")]
    [InlineData(2, "99999999999")]
    public void Changing_any_part_of_a_token_breaks_its_signature(int part, string value)
    {
        var parts = DashboardTokens.Issue(_key, DashboardTokens.SessionPurpose, "m1", "0a1b2c3d", Now.AddMinutes(60)).Split('.');
        parts[part] = value;

        DashboardTokens.TryVerify(_key, DashboardTokens.SessionPurpose, string.Join('.', parts), Now, out _).ShouldBeFalse();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("m1.0a1b2c3d.1.abc")]
    [InlineData("m1.0a1b2c3d.notanumber.000000000000000000000000.mac")]
    public void Malformed_tokens_do_not_verify(string? token) =>
        DashboardTokens.TryVerify(_key, DashboardTokens.SessionPurpose, token, Now, out _).ShouldBeFalse();

    [Fact]
    public void The_csrf_token_belongs_to_one_session()
    {
        DashboardTokens.TryVerify(_key, DashboardTokens.SessionPurpose, DashboardTokens.Issue(_key, DashboardTokens.SessionPurpose, "m1", "0a1b2c3d", Now.AddMinutes(60)), Now, out var one).ShouldBeTrue();
        DashboardTokens.TryVerify(_key, DashboardTokens.SessionPurpose, DashboardTokens.Issue(_key, DashboardTokens.SessionPurpose, "m1", "0a1b2c3d", Now.AddMinutes(60)), Now, out var other).ShouldBeTrue();

        DashboardTokens.CsrfMatches(_key, one, DashboardTokens.CsrfToken(_key, one)).ShouldBeTrue();
        DashboardTokens.CsrfMatches(_key, one, DashboardTokens.CsrfToken(_key, other)).ShouldBeFalse();
        DashboardTokens.CsrfMatches(_key, one, null).ShouldBeFalse();
        DashboardTokens.CsrfMatches(_key, one, "").ShouldBeFalse();
    }
}
