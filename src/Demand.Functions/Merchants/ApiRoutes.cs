namespace Demand.Functions.Merchants;

/// <summary>
/// Route templates of the HTTP functions, below the host's route prefix (<c>api</c>, host.json). One definition for the
/// <c>[HttpTrigger]</c> attributes and the OpenAPI description, so the two cannot drift.
/// </summary>
public static class ApiRoutes
{
    public const string Prefix = "/api/";
    public const string Merchant = "v1/merchants/{merchantId}";
    public const string User = Merchant + "/users/{userId}";
    public const string Profile = User + "/profile";
    public const string Recommendations = User + "/recommendations";
    public const string Export = User + "/export";
    public const string Ingestions = Merchant + "/ingestions";
    public const string Ingestion = Ingestions + "/{ingestionId}";
    public const string Mapping = Merchant + "/mapping";
    public const string Uploads = Merchant + "/uploads";
    public const string ProductNeeds = Merchant + "/products/{productId}/needs";
    public const string CategoryNeeds = Merchant + "/categories/{categoryId}/needs";
    public const string Taxonomy = Merchant + "/needs/taxonomy";
    public const string MiningUsage = Merchant + "/mining/usage";
    public const string Segment = Merchant + "/segments/{categoryId}";
    public const string DemandForecast = Merchant + "/insights/demand";
    public const string Model = Merchant + "/model";
    public const string Events = Merchant + "/events";
    public const string Health = "health";
    public const string OpenApi = "openapi.json";

    /// <summary>Every other path under the prefix: the lowest-precedence route, so it only answers what nothing else matches.</summary>
    public const string Unmatched = "{*path}";
}
