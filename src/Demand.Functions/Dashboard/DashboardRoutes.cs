using Demand.Functions.Merchants;

namespace Demand.Functions.Dashboard;

/// <summary>
/// Routes of the dashboard's functions, below the host's <c>api/</c> prefix: the page, its assets, the session, and the
/// data routes, which mirror the API's (<see cref="ApiRoutes"/>) under <c>dashboard/</c> and call the same handlers.
/// </summary>
public static class DashboardRoutes
{
    public const string Page = "dashboard";
    public const string Asset = "dashboard/assets/{name}";
    public const string Session = "dashboard/session";
    public const string SignInLink = "dashboard/sign-in";
    public const string Merchant = "dashboard/" + ApiRoutes.Merchant;
    public const string User = "dashboard/" + ApiRoutes.User;
    public const string Profile = "dashboard/" + ApiRoutes.Profile;
    public const string Export = "dashboard/" + ApiRoutes.Export;
    public const string Ingestion = "dashboard/" + ApiRoutes.Ingestion;
    public const string Ingestions = "dashboard/" + ApiRoutes.Ingestions;
    public const string ProductNeeds = "dashboard/" + ApiRoutes.ProductNeeds;
    public const string CategoryNeeds = "dashboard/" + ApiRoutes.CategoryNeeds;
    public const string MiningUsage = "dashboard/" + ApiRoutes.MiningUsage;
    public const string Segment = "dashboard/" + ApiRoutes.Segment;
    public const string SegmentCsv = Segment + "/csv";
    public const string DemandForecast = "dashboard/" + ApiRoutes.DemandForecast;
    public const string Mapping = Merchant + "/mapping";
    public const string MappingDryRun = Merchant + "/mapping/dry-run";
    public const string Model = "dashboard/" + ApiRoutes.Model;
    public const string ModelCard = Model + "/card";

    /// <summary>The merchant's dashboard keys: listed, created and revoked by a signed-in session (never by an API key).</summary>
    public const string Keys = Merchant + "/dashboard-keys";
    public const string Key = Keys + "/{keyId}";

    /// <summary>The URL path everything of the dashboard lives under (cookie path, redirects).</summary>
    public const string BasePath = ApiRoutes.Prefix + Page;

    /// <summary>Dashboard functions are named <c>Dashboard…</c>; the API key middleware leaves them to the session middleware.</summary>
    public const string FunctionPrefix = "Dashboard";

    public static bool IsDashboardFunction(string functionName) => functionName.StartsWith(FunctionPrefix, StringComparison.Ordinal);
}
