using Demand.Functions.Ingestion;
using Demand.Functions.Insights;
using Demand.Functions.Mining;
using Demand.Functions.Profiles;
using Demand.Functions.Training;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using System.Text.Json.Nodes;

namespace Demand.Functions.Merchants;

/// <summary>
/// The OpenAPI document of the HTTP functions. The functions are routed by the Functions host, so ASP.NET Core never
/// sees them as endpoints; this maps the very same named handlers on the same <see cref="ApiRoutes"/> in an app that is
/// never started, and lets Microsoft.AspNetCore.OpenApi describe them (parameters, bodies and every <c>Results&lt;…&gt;</c>
/// answer come from the handlers' signatures). Built once per instance, on first request.
/// </summary>
public sealed class ApiDescription
{
    private readonly Lazy<Task<string>> _json = new(BuildAsync);

    public Task<string> JsonAsync(CancellationToken cancellationToken) => _json.Value.WaitAsync(cancellationToken);

    private static async Task<string> BuildAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo { Title = "Demand API", Version = "v1", Description = "Per-shopper need profiles, segments, forecasts and review needs for storefronts and merchants." };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = ApiKeyMiddleware.Header,
                Description = "A merchant API key (demand merchants add <id>); it only ever sees its own merchant.",
            };
            document.Components.SecuritySchemes[DashboardSessionScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Cookie,
                Name = Dashboard.DashboardSessions.CookieName,
                Description = $"A dashboard session (sign in at {Dashboard.DashboardRoutes.BasePath} with a dashboard key); every write also sends the session's CSRF token (GET {Dashboard.DashboardRoutes.BasePath}/session) in {Dashboard.DashboardSessions.CsrfHeader}. API keys are refused.",
            };
            return Task.CompletedTask;
        }).AddSchemaTransformer((schema, context, _) =>
        {
            // Positional records read as "every parameter required"; an event needs only these four (the rest are
            // optional per type, docs/log-format.md), and a batch only its events.
            if (context.JsonTypeInfo.Type == typeof(EventRequest))
            {
                schema.Required = new HashSet<string>(StringComparer.Ordinal) { "eventId", "userId", "type", "timestamp" };
            }
            else if (context.JsonTypeInfo.Type == typeof(EventsRequest))
            {
                schema.Required = new HashSet<string>(StringComparer.Ordinal) { "events" };
            }

            return Task.CompletedTask;
        }));
        await using var app = builder.Build();

        // The API explorer sees endpoints through RouteOptions, which UseEndpoints fills when the pipeline is built at
        // start; this app never starts, so build that part of the pipeline here (mapping on the app alone yields no paths).
        Map(app);
        app.UseRouting();
        app.UseEndpoints(_ => { });
        var document = await app.Services.GetRequiredKeyedService<IOpenApiDocumentProvider>("v1").GetOpenApiDocumentAsync(CancellationToken.None);
        return await document.SerializeAsJsonAsync(OpenApiSpecVersion.OpenApi3_1, CancellationToken.None);
    }

    private const string ApiKeyScheme = "ApiKey";
    private const string DashboardSessionScheme = "DashboardSession";

    private static void Example(IDictionary<string, OpenApiMediaType>? content, string mediaType, string json)
    {
        if (content?.TryGetValue(mediaType, out var media) == true)
        {
            media.Example = JsonNode.Parse(json);
        }
    }

    private static void Map(IEndpointRouteBuilder app)
    {
        var api = app.MapGroup(ApiRoutes.Prefix.TrimEnd('/'));
        api.MapGet(ApiRoutes.Health, HealthHandlers.GetHealth).WithName("GetHealth").WithTags("Health");
        var merchant = api.MapGroup("")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .AddOpenApiOperationTransformer((operation, context, _) =>
            {
                // A scheme reference without its host document serializes as an empty requirement ("security": [{}]).
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, context.Document)] = [] });
                return Task.CompletedTask;
            });
        merchant.MapGet(ApiRoutes.Profile, ProfileHandlers.GetProfile).WithName("GetProfile").WithTags("Profiles")
            .Produces(StatusCodes.Status304NotModified)
            .WithSummary("A shopper's need profile: category propensities with next-purchase dates and reasons, and needs mined from their reviews.");
        merchant.MapGet(ApiRoutes.Recommendations, ProfileHandlers.GetRecommendations).WithName("GetRecommendations").WithTags("Profiles")
            .WithSummary("The top categories and unmet needs to act on for a shopper.");
        merchant.MapGet(ApiRoutes.Export, PrivacyHandlers.Export).WithName("ExportUser").WithTags("Privacy")
            .WithSummary("Everything stored about a shopper, derived needs and evidence included.");
        merchant.MapDelete(ApiRoutes.User, PrivacyHandlers.Erase).WithName("EraseUser").WithTags("Privacy")
            .WithSummary("Erase a shopper everywhere; replayed logs will not bring them back.");
        merchant.MapGet(ApiRoutes.Ingestions, IngestionHandlers.ListIngestions).WithName("ListIngestions").WithTags("Ingestion")
            .WithSummary("Ingestion reports, newest first, failed and skipped parts included, one page at a time (?since=ISO-8601&limit=1–100&continuation=); the first page also carries the scoring and mining queues' backlog.");
        merchant.MapGet(ApiRoutes.Ingestion, IngestionHandlers.GetIngestion).WithName("GetIngestion").WithTags("Ingestion")
            .WithSummary("An ingestion report: counts by type, rejects by reason, duplicates, users touched, time range, throughput.");
        merchant.MapGet(ApiRoutes.Mapping, MappingHandlers.GetMapping).WithName("GetMapping").WithTags("Ingestion")
            .WithSummary("The merchant's registered log mapping and its version (404: the default layout applies).");
        merchant.MapPut(ApiRoutes.Mapping, MappingHandlers.PutMapping).WithName("PutMapping").WithTags("Ingestion")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithSummary("Registers a log mapping as the next version; with a sample, shows how it parses (mappings check) and refuses it (422) when nothing is accepted; ?dryRun=true stores nothing.");
        merchant.MapDelete(ApiRoutes.Mapping, MappingHandlers.DeleteMapping).WithName("DeleteMapping").WithTags("Ingestion")
            .WithSummary("Removes the registered mapping: later parts use the default layout.");
        merchant.MapPost(ApiRoutes.Uploads, UploadHandlers.CreateUpload).WithName("CreateUpload").WithTags("Ingestion")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithSummary("A short-lived, create-only URL for exactly one new log part under the merchant's prefix, and the part id to poll its report by.");
        merchant.MapPost(ApiRoutes.Events, RealtimeEvents.PostEvents).WithName("PostEvents").WithTags("Events")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                Example(operation.RequestBody?.Content, "application/json", ApiExamples.EventsRequest);
                Example(operation.Responses?.GetValueOrDefault("200")?.Content, "application/json", ApiExamples.EventsResponse);
                Example(operation.Responses?.GetValueOrDefault("400")?.Content, "application/problem+json", ApiExamples.EventsProblem);
                return Task.CompletedTask;
            })
            .WithSummary("Up to 500 events; each is validated with the log rules, merged once, and the shoppers' profiles are rescored before the response.");
        merchant.MapGet(ApiRoutes.ProductNeeds, ProductHandlers.GetProductNeeds).WithName("GetProductNeeds").WithTags("Products")
            .WithSummary("Needs mined from a product's reviews: share of reviews mentioning each, polarity, and week-over-week counts.");
        merchant.MapGet(ApiRoutes.CategoryNeeds, NeedHandlers.GetCategoryNeeds).WithName("GetCategoryNeeds").WithTags("Needs")
            .WithSummary("Unmet needs across a category's products: negative mentions, share of the category's reviews, products affected, trend.");
        merchant.MapGet(ApiRoutes.Taxonomy, NeedHandlers.GetTaxonomy).WithName("GetNeedTaxonomy").WithTags("Needs")
            .WithSummary("The merchant's synonym edits (variant → canonical need phrase), merges learned from embeddings, and the built-in table they overlay.");
        merchant.MapPut(ApiRoutes.Taxonomy, NeedHandlers.PutTaxonomy).WithName("PutNeedTaxonomy").WithTags("Needs")
            .WithSummary("Replaces the merchant's synonym edits and rebuilds product and category need summaries with them.");
        merchant.MapGet(ApiRoutes.MiningUsage, NeedHandlers.GetUsage).WithName("GetMiningUsage").WithTags("Needs")
            .WithSummary("Reviews mined, cache hits, LLM requests, tokens and estimated cost for a month (?month=yyyy-MM, default this month).");
        merchant.MapGet(ApiRoutes.Segment, InsightHandlers.GetSegment).WithName("GetSegment").WithTags("Insights")
            .WithSummary("Shoppers most likely to buy in a category, highest first; page with the continuation token.");
        merchant.MapGet(ApiRoutes.DemandForecast, InsightHandlers.GetDemand).WithName("GetDemandForecast").WithTags("Insights")
            .WithSummary("Expected buyers per category in the next 7 days, next to last week's forecast.");
        merchant.MapGet(ApiRoutes.Model, ModelHandlers.GetModel).WithName("GetMerchantModel").WithTags("Model")
            .WithSummary("The ranker serving the merchant's profiles (its promoted version, else the global model), the last training's back-test of every candidate next to the baselines, the promotions, and the outcomes: what the served predictions were worth once their 7-day horizon passed (AUC, Recall@5, calibration per model version, next to the baselines).");

        // Dashboard keys are managed by a signed-in dashboard session only (never by an API key, which could otherwise widen itself).
        var session = api.MapGroup("")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .AddOpenApiOperationTransformer((operation, context, _) =>
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(DashboardSessionScheme, context.Document)] = [] });
                return Task.CompletedTask;
            });
        session.MapGet(Dashboard.DashboardRoutes.Keys, Dashboard.DashboardKeyHandlers.ListDashboardKeys).WithName("DashboardListKeys").WithTags("Dashboard keys")
            .WithSummary("The merchant's dashboard keys (ids, created, revoked), newest first; never their secrets. Storefront keys are not listed.");
        session.MapPost(Dashboard.DashboardRoutes.Keys, Dashboard.DashboardKeyHandlers.CreateDashboardKey).WithName("DashboardCreateKey").WithTags("Dashboard keys")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithSummary("A new dashboard key (dd.…), shown in this answer only. Needs the session's X-CSRF-Token.");
        session.MapDelete(Dashboard.DashboardRoutes.Key, Dashboard.DashboardKeyHandlers.RevokeDashboardKey).WithName("DashboardRevokeKey").WithTags("Dashboard keys")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithSummary("Revokes a dashboard key (idempotent); its sessions end within the key cache time. 404 for an unknown id or a storefront key's. Needs the session's X-CSRF-Token.");
    }
}
