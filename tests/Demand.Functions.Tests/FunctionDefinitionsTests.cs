using Demand.Tooling;
using System.Reflection;
using System.Text.Json;
using Demand.Functions.Dashboard;
using Demand.Functions.Merchants;
using Demand.Functions.Tests.Infrastructure;
using Demand.Infrastructure;
using Microsoft.Azure.Functions.Worker;

namespace Demand.Functions.Tests;

/// <summary>What the Worker SDK tells the host about our functions (functions.metadata) is what the app means.</summary>
public sealed class FunctionDefinitionsTests
{
    private static IReadOnlyList<FunctionEntry> Functions => FunctionsMetadata.Load();

    [Fact]
    public void The_non_http_functions_are_exactly_the_named_ones_with_their_triggers_and_queues()
    {
        var nonHttp = Functions.Where(f => f.Trigger.Type != "httpTrigger").ToDictionary(f => f.Name);

        nonHttp.Keys.Order(StringComparer.Ordinal).ShouldBe(FunctionNames.NonHttp.Order(StringComparer.Ordinal));
        nonHttp[FunctionNames.IngestLog].Trigger.Type.ShouldBe("blobTrigger");
        nonHttp[FunctionNames.ScoreUsers].Trigger.ShouldSatisfyAllConditions(t => t.Type.ShouldBe("queueTrigger"), t => t.QueueName.ShouldBe(FunctionNames.ScoreQueue));
        nonHttp[FunctionNames.MineReviews].Trigger.ShouldSatisfyAllConditions(t => t.Type.ShouldBe("queueTrigger"), t => t.QueueName.ShouldBe(FunctionNames.MineQueue));
        nonHttp[FunctionNames.NightlyMerchant].Trigger.ShouldSatisfyAllConditions(t => t.Type.ShouldBe("queueTrigger"), t => t.QueueName.ShouldBe(FunctionNames.NightlyQueue));
        nonHttp[FunctionNames.NightlyRescore].Trigger.Type.ShouldBe("timerTrigger");
        nonHttp[FunctionNames.NightlyRescore].Outputs.ShouldHaveSingleItem().QueueName.ShouldBe(FunctionNames.NightlyQueue);
        nonHttp[FunctionNames.NightlyMerchant].Outputs.ShouldHaveSingleItem().QueueName.ShouldBe(FunctionNames.ScoreQueue);
        nonHttp[FunctionNames.ScoreUsers].Outputs.ShouldBeEmpty();
        nonHttp[FunctionNames.MineReviews].Outputs.ShouldBeEmpty();
        nonHttp.Values.SelectMany(f => f.Bindings).Where(b => b.Type != "timerTrigger").ShouldAllBe(b => b.Connection == "LogsStorage");
    }

    [Fact]
    public void The_blob_trigger_is_event_grid_sourced_on_the_logs_container_and_its_outputs_are_the_score_and_mine_queues()
    {
        var ingest = Functions.Single(f => f.Name == FunctionNames.IngestLog);

        ingest.Trigger.Path.ShouldBe("logs/{merchantId}/{name}");
        ingest.Trigger.Source.ShouldBe("EventGrid");
        ingest.Trigger.Connection.ShouldBe("LogsStorage");
        ingest.Outputs.ShouldAllBe(b => b.Type == "queue" && b.Connection == "LogsStorage");
        ingest.Outputs.Select(b => b.QueueName).Order(StringComparer.Ordinal).ShouldBe(["mine-requests", "score-requests"]);
    }

    [Fact]
    public void Every_http_route_is_merchant_scoped_except_health_the_openapi_document_and_the_dashboards_page_assets_and_session_and_all_are_anonymous()
    {
        // The catch-all answers every other path and method with the API's 404 (its own test below).
        var http = Functions.Where(f => f.Trigger.Type == "httpTrigger" && f.Trigger.Route != ApiRoutes.Unmatched).ToList();
        string[] dashboardOwn = [DashboardRoutes.Page, DashboardRoutes.Asset, DashboardRoutes.Session, DashboardRoutes.SignInLink];

        http.Count.ShouldBeGreaterThan(10);
        foreach (var function in http)
        {
            var route = function.Trigger.Route.ShouldNotBeNull(function.Name);
            if (DashboardRoutes.IsDashboardFunction(function.Name))
            {
                // Dashboard data routes are the API's under dashboard/, behind the session middleware instead of keys.
                (dashboardOwn.Contains(route) || route.StartsWith("dashboard/v1/merchants/{merchantId}/", StringComparison.Ordinal)).ShouldBeTrue(function.Name);
            }
            else if (route is not (ApiRoutes.Health or ApiRoutes.OpenApi))
            {
                route.ShouldStartWith("v1/merchants/{merchantId}/", Case.Sensitive, function.Name);
            }

            // Keys are checked by ApiKeyMiddleware, not by the host's function keys.
            function.Trigger.AuthLevel.ShouldBe("Anonymous", function.Name);
            function.Trigger.Methods.ShouldHaveSingleItem(function.Name);
        }

        http.Select(f => f.Trigger.Route).ShouldContain(ApiRoutes.Health);
        http.Select(f => f.Trigger.Route).ShouldContain(ApiRoutes.OpenApi);
        http.Select(f => (f.Trigger.Route, f.Trigger.Methods[0])).Distinct().Count().ShouldBe(http.Count, "no two functions share a route and method");
    }

    [Fact]
    public void One_anonymous_catch_all_takes_every_method_so_unmatched_paths_get_the_apis_problem_details_404()
    {
        var unmatched = Functions.Where(f => f.Trigger.Type == "httpTrigger" && f.Trigger.Route == ApiRoutes.Unmatched).ShouldHaveSingleItem();

        unmatched.Trigger.AuthLevel.ShouldBe("Anonymous");
        unmatched.Trigger.Methods.Select(m => m.ToUpperInvariant()).ShouldBe(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"], ignoreOrder: true);
        var answer = NotFoundFunction.Unmatched(new Microsoft.AspNetCore.Http.DefaultHttpContext().Request);
        answer.StatusCode.ShouldBe(404);
        answer.ProblemDetails.Title.ShouldBe("Not found");
    }

    [Fact]
    public void The_metadata_lists_every_function_method_of_the_assembly()
    {
        var methods = typeof(FunctionNames).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<FunctionAttribute>()))
            .Where(m => m.Attribute is not null)
            .ToDictionary(m => m.Attribute!.Name, m => m.Method.DeclaringType!.FullName + "." + m.Method.Name);

        Functions.ToDictionary(f => f.Name, f => f.EntryPoint).ShouldBe(methods, ignoreOrder: true);
    }

    [Fact]
    public void Host_json_is_an_isolated_worker_host_with_the_queue_retries_and_timeout_the_design_relies_on()
    {
        var root = RepoPaths.RepositoryRoot(AppContext.BaseDirectory) ?? throw new InvalidOperationException("Repository root not found.");
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "host.json")));
        var json = host.RootElement;

        json.TryGetProperty("customHandler", out _).ShouldBeFalse("the app is a .NET isolated worker, not a custom handler");
        json.GetProperty("functionTimeout").GetString().ShouldBe("00:30:00");
        json.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString().ShouldBe("api");
        json.GetProperty("extensions").GetProperty("queues").GetProperty("maxDequeueCount").GetInt32().ShouldBe(5);
        File.Exists(Path.Combine(Path.GetDirectoryName(FunctionsMetadata.Path)!, "host.json")).ShouldBeTrue("host.json ships beside the worker");
    }
}
