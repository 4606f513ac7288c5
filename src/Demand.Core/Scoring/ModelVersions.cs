using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Demand.Core.Scoring;

/// <summary>
/// Names of the versions training writes (<c>&lt;recipe&gt;-&lt;yyyyMMdd&gt;-&lt;weights hash&gt;</c>) and the recipe a
/// version was made by. Outcomes are kept per version, but a merchant's versions change every week with the data, so
/// live evidence (<see cref="LiveEvidence"/>) is pooled per recipe: "merchant-logistic", "baseline-recency-frequency", or
/// the global model's own version.
/// </summary>
public static partial class ModelVersions
{
    /// <summary>The recipe of every version of the merchant's own logistic model.</summary>
    public const string MerchantRecipe = "merchant-logistic";

    /// <summary>A version name that changes with the data and the weights: the same run repeated writes the same version.</summary>
    public static string For(GateCandidate winner, DateOnly dataDay)
    {
        ArgumentNullException.ThrowIfNull(winner);
        var linear = winner.Linear ?? throw new ArgumentException("Only a linear ranker is written as a version.", nameof(winner));
        var weights = string.Join(',', linear.Weights.Select(w => w.ToString("R", CultureInfo.InvariantCulture))) + ";" + linear.Bias.ToString("R", CultureInfo.InvariantCulture);
        var hash = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(weights)).AsSpan(0, 4));
        return $"{RecipeOf(winner, globalVersion: "")}-{dataDay:yyyyMMdd}-{hash}";
    }

    /// <summary>The recipe of a candidate: what its versions share from week to week.</summary>
    public static string RecipeOf(GateCandidate candidate, string globalVersion)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        return candidate.Kind switch
        {
            CandidateKind.Global => globalVersion,
            CandidateKind.Merchant => MerchantRecipe,
            CandidateKind.Baseline => candidate.Name.Replace("baseline: ", "baseline-", StringComparison.Ordinal),
            _ => throw new ArgumentException("The champion's recipe is the recipe of its version (Recipe).", nameof(candidate)),
        };
    }

    /// <summary>The recipe of a version name: the name without its day and hash, or the name itself (the global model).</summary>
    public static string Recipe(string version)
    {
        ArgumentNullException.ThrowIfNull(version);
        var suffix = Suffix().Match(version);
        return suffix.Success ? version[..suffix.Index] : version;
    }

    [GeneratedRegex(@"-\d{8}-[0-9a-f]{8}$", RegexOptions.CultureInvariant)]
    private static partial Regex Suffix();
}
