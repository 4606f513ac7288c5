using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Demand.Functions.Ingestion;

/// <summary>
/// Parts sent through <c>POST …/uploads</c> are named <c>uploads/{uploadId}{extension}</c> under the merchant's prefix;
/// the upload id is the id of their ingestion report, so the merchant can poll it before the part is read.
/// </summary>
public static partial class UploadNames
{
    public const string Folder = "uploads/";

    [GeneratedRegex(@"^uploads/([0-9a-f]{24})(\.[A-Za-z0-9]{1,8}){0,2}$")]
    private static partial Regex Pattern();

    [GeneratedRegex(@"^(\.[A-Za-z0-9]{1,8}){0,2}$")]
    private static partial Regex ExtensionPattern();

    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    /// <summary>The upload id of a part name (inside the merchant's prefix), or null for parts uploaded otherwise.</summary>
    public static string? IdOf(string name)
    {
        var match = Pattern().Match(name);
        return match.Success ? match.Groups[1].Value : null;
    }

    /// <summary>The extension the part keeps (<c>.jsonl.gz</c> of <c>day-1.jsonl.gz</c>); false when it is not letters and digits.</summary>
    public static bool TryExtension(string? fileName, out string extension)
    {
        extension = "";
        if (string.IsNullOrEmpty(fileName))
        {
            return true;
        }

        var name = fileName[(fileName.LastIndexOfAny(['/', '\\']) + 1)..];
        // The last two suffixes (".jsonl.gz"): enough to keep format and compression visible.
        var parts = name.Split('.');
        extension = parts.Length <= 1 ? "" : "." + string.Join('.', parts[Math.Max(1, parts.Length - 2)..]).ToLowerInvariant();
        if (!ExtensionPattern().IsMatch(extension))
        {
            extension = "";
            return false;
        }

        return true;
    }
}
