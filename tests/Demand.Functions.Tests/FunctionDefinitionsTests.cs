using System.Reflection;
using Demand.Functions.Tests.Infrastructure;
using Demand.Functions.Triggers;
using Demand.Hosting.Definitions;
using Demand.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Demand.Functions.Tests;

/// <summary>function.json files and handler code cannot drift apart.</summary>
public sealed class FunctionDefinitionsTests(CosmosServerFixture cosmos)
{
    private static IReadOnlyList<FunctionDefinition> Definitions => FunctionDefinition.LoadAll(AppContext.BaseDirectory);

    [Fact]
    public async Task Every_function_folder_has_a_handler_route_and_every_trigger_route_has_a_function_folder()
    {
        await using var factory = new HandlerFactory(cosmos.NewDatabaseOptions());
        using var client = factory.CreateHttpClient();
        var routes = factory.Services.GetServices<EndpointDataSource>().SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .Select(e => e.RoutePattern.RawText!.TrimStart('/'))
            .ToList();

        var nonHttp = Definitions.Where(d => d.Trigger.Type != "httpTrigger").Select(d => d.Name).Order().ToList();
        var triggerRoutes = routes.Where(r => !r.StartsWith("api", StringComparison.Ordinal) && r.Length > 0).Order().ToList();

        nonHttp.ShouldBe(FunctionNames.NonHttp.Order().ToList());
        triggerRoutes.ShouldBe(nonHttp);
        routes.ShouldContain(r => r.StartsWith("api/", StringComparison.Ordinal));
    }

    [Fact]
    public void The_api_function_is_a_lone_catch_all_http_trigger_so_the_host_proxies_it_unchanged()
    {
        var api = Definitions.Single(d => d.Name == FunctionNames.Api);

        api.Bindings.Count.ShouldBe(2);
        api.Trigger.Type.ShouldBe("httpTrigger");
        api.Trigger.Route.ShouldBe("{*path}");
        api.Bindings.Single(b => !b.IsTrigger).Type.ShouldBe("http");
    }

    [Fact]
    public void Binding_names_the_code_reads_and_writes_exist_in_the_function_json_with_the_same_case()
    {
        var handlers = typeof(FunctionNames).Assembly.GetTypes()
            .Where(t => t.Namespace?.StartsWith("Demand.Functions.Triggers.", StringComparison.Ordinal) == true && t.Name.EndsWith("Function", StringComparison.Ordinal))
            .ToList();
        handlers.Count.ShouldBe(FunctionNames.NonHttp.Count);

        foreach (var handler in handlers)
        {
            var function = Definitions.Single(d => d.Name == handler.Namespace!.Split('.')[^1]);
            var names = handler.GetFields(BindingFlags.Public | BindingFlags.Static)
                .Where(f => f.IsLiteral && f.Name.EndsWith("Binding", StringComparison.Ordinal))
                .Select(f => (string)f.GetRawConstantValue()!)
                .ToList();

            names.ShouldNotBeEmpty();
            foreach (var name in names)
            {
                function.Bindings.Select(b => b.Name).ShouldContain(name, $"{function.Name}/function.json lacks binding '{name}'");
            }
        }
    }

    [Fact]
    public void The_blob_trigger_is_binary_event_grid_sourced_and_its_outputs_are_queues_and_a_quarantine_blob()
    {
        var ingest = Definitions.Single(d => d.Name == FunctionNames.IngestLog);

        ingest.Trigger.DataType.ShouldBe("binary");
        ingest.Trigger.Source.ShouldBe("EventGrid");
        ingest.Trigger.Path.ShouldBe("logs/{merchantId}/{name}");
        ingest.Outputs.Where(b => b.Type == "queue").Select(b => b.QueueName).Order().ShouldBe(["mine-requests", "score-requests"]);
        ingest.Outputs.Single(b => b.Type == "blob").Path.ShouldBe("quarantine/{merchantId}/{name}.rejected.jsonl");
    }

    [Fact]
    public void Host_json_configures_the_custom_handler_queues_and_timeout()
    {
        var settings = HostSettings.Load(Path.Combine(AppContext.BaseDirectory, "host.json"));

        settings.DefaultExecutablePath.ShouldBe("Demand.Functions");
        settings.EnableProxyingHttpRequest.ShouldBeTrue();
        settings.MaxDequeueCount.ShouldBe(5);
        settings.FunctionTimeout.ShouldBe(TimeSpan.FromMinutes(30));
    }
}
