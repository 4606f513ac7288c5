using System.ComponentModel.DataAnnotations;
using Demand.Core.Merchants;

namespace Demand.Functions.Dashboard;

/// <summary>Dashboard settings (section <c>Dashboard</c>).</summary>
public sealed class DashboardOptions : IValidatableObject
{
    public const string Section = "Dashboard";

    /// <summary>
    /// Base64 of at least 32 random bytes that sign session cookies and sign-in links (in Azure a Key Vault reference,
    /// <c>@Microsoft.KeyVault(SecretUri=…)</c>). Without it the dashboard's pages load but nobody can sign in.
    /// </summary>
    public string? SigningKey { get; set; }

    /// <summary>How long a session lasts after sign-in; it is not extended by activity.</summary>
    [Range(5, 720)]
    public int SessionMinutes { get; set; } = 60;

    public byte[]? SigningKeyBytes() =>
        string.IsNullOrWhiteSpace(SigningKey) ? null : Convert.FromBase64String(SigningKey.Trim());

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(SigningKey))
        {
            yield break;
        }

        var bytes = new byte[SigningKey.Length];
        if (!Convert.TryFromBase64String(SigningKey.Trim(), bytes, out var length) || length < DashboardTokens.MinimumKeyBytes)
        {
            yield return new ValidationResult($"Dashboard:SigningKey must be base64 of at least {DashboardTokens.MinimumKeyBytes} random bytes (openssl rand -base64 32).", [nameof(SigningKey)]);
        }
    }
}
