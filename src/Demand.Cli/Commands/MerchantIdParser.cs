using System.CommandLine.Parsing;
using Demand.Core.Identifiers;

namespace Demand.Cli.Commands;

/// <summary>
/// The one merchant id rule on the command line: an id is parsed before anything connects, so an id that could never
/// authenticate or receive uploads is refused with the reason instead of a 400 from the service.
/// </summary>
internal static class MerchantIdParser
{
    public static string Description => "The merchant's id: " + MerchantId.Rule + ".";

    public static MerchantId Parse(ArgumentResult result)
    {
        var value = result.Tokens.Count == 1 ? result.Tokens[0].Value : null;
        if (MerchantId.TryParse(value, out var id, out var reason))
        {
            return id;
        }

        result.AddError($"'{value}' is not a valid merchant id: {reason} (merchant ids are {MerchantId.Rule}).");
        return default;
    }
}
