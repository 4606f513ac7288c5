using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Demand.Infra.Tests;

/// <summary>The findings of issue 16 stay fixed: defaults that deploy on the first try, events that cannot be lost silently.</summary>
public sealed partial class DeploymentShapeTests
{
    private static readonly Dictionary<string, object?> Defaults = new() { ["environmentName"] = "dev" };

    private static List<DeployedResource> Deployed(Dictionary<string, object?>? parameters = null) =>
        CompiledTemplate.Resources(Bicep.Build("main.bicep"), parameters ?? Defaults);

    [Fact]
    public void Both_OpenAI_deployments_use_GlobalStandard_by_default_which_every_listed_region_offers()
    {
        var deployments = Deployed().Where(r => r.Type == "Microsoft.CognitiveServices/accounts/deployments").ToList();

        deployments.Count.ShouldBe(2);
        deployments.ShouldAllBe(d => d.Text("sku.name") == "GlobalStandard");
    }

    [Fact]
    public void The_OpenAI_SKU_and_region_are_parameters_that_reach_both_deployments()
    {
        var resources = Deployed(new() { ["environmentName"] = "dev", ["openAiDeploymentSku"] = "DataZoneStandard", ["openAiLocation"] = "eastus2" });

        resources.Where(r => r.Type == "Microsoft.CognitiveServices/accounts/deployments").ShouldAllBe(d => d.Text("sku.name") == "DataZoneStandard");
        resources.Single(r => r.Type == "Microsoft.CognitiveServices/accounts").Text("location").ShouldBe("eastus2");
    }

    [Theory]
    [InlineData("reviewNeeds", "/provisional/?")]
    [InlineData("insights", "/categoryId/?")]
    [InlineData("insights", "/type/?")]
    public void Cosmos_indexes_the_fields_queries_filter_on(string container, string path)
    {
        // includedPaths is a property loop over the module's container table; read the table it expands.
        var cosmos = Deployed().First(r => r.Type == "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers").Scope;
        var table = ((List<object?>)cosmos.Variable("containers")!).Cast<Dictionary<string, object?>>().Single(c => (string?)c["name"] == container);

        ((List<object?>)table["included"]!).ShouldContain(path);
        Bicep.Build("modules/cosmos.bicep").ToJsonString().ShouldContain("\"name\":\"includedPaths\"");
    }

    [Fact]
    public void The_main_template_reads_no_function_keys_so_provisioning_never_waits_on_the_app()
    {
        Bicep.Build("main.bicep").ToJsonString().ShouldNotContain("listKeys");
        Deployed().ShouldNotContain(r => r.Type == "Microsoft.EventGrid/systemTopics/eventSubscriptions");
    }

    [Fact]
    public void The_event_subscription_filters_uploads_and_dead_letters_into_the_container_main_creates()
    {
        var events = Bicep.Build("events.bicep");
        var subscription = CompiledTemplate.Resources(events, new Dictionary<string, object?> { ["topicName"] = "t", ["functionAppName"] = "f", ["storageAccountName"] = "s" })
            .Single(r => r.Type == "Microsoft.EventGrid/systemTopics/eventSubscriptions");

        subscription.Text("properties.filter.subjectBeginsWith").ShouldBe("/blobServices/default/containers/logs/");
        var container = subscription.Text("properties.deadLetterWithResourceIdentity.deadLetterDestination.properties.blobContainerName");
        var storageContainers = Deployed().Where(r => r.Type == "Microsoft.Storage/storageAccounts/blobServices/containers").Select(r => r.Text("name")).ToList();
        storageContainers.ShouldContain(n => n.EndsWith("/" + container, StringComparison.Ordinal));
        Deployed().Where(r => r.Type == "Microsoft.Insights/metricAlerts").Select(r => r.Text("properties.criteria.allOf[0].metricName")).ShouldBe(["DeadLetteredCount", "DroppedEventCount"], ignoreOrder: true);
    }

    [Fact]
    public void Network_isolation_is_off_by_default_and_one_parameter_turns_on_private_endpoints_for_storage_cosmos_and_openai()
    {
        Deployed().ShouldNotContain(r => r.Type == "Microsoft.Network/privateEndpoints");

        var isolated = Deployed(new() { ["environmentName"] = "dev", ["vnetEnabled"] = true });
        isolated.Where(r => r.Type == "Microsoft.Network/privateEndpoints")
            .Select(r => r.Text("properties.privateLinkServiceConnections[0].properties.groupIds[0]"))
            .ShouldBe(["blob", "queue", "table", "Sql", "account"], ignoreOrder: true);
        isolated.Single(r => r.Type == "Microsoft.DocumentDB/databaseAccounts").Text("properties.publicNetworkAccess").ShouldBe("Disabled");
    }

    /// <summary>~250 MB working set per concurrent part (docs/benchmarks.md); half the instance stays for host, worker and GC headroom.</summary>
    [Fact]
    public void Blob_trigger_concurrency_fits_large_parts_into_the_default_instance_memory()
    {
        var host = JsonNode.Parse(File.ReadAllText(Path.Combine(Bicep.Root, "host.json")))!;
        var parallelism = host["extensions"]!["blobs"]!["maxDegreeOfParallelism"]!.GetValue<int>();
        var memory = (long)new ArmScope(Bicep.Build("main.bicep"), Defaults).Parameter("instanceMemoryMB")!;

        parallelism.ShouldBeGreaterThanOrEqualTo(1);
        (parallelism * 250).ShouldBeLessThanOrEqualTo((int)memory / 2);
    }

    [Fact]
    public void The_azd_service_deploys_to_the_app_the_bicep_tags_for_it_and_its_hooks_exist()
    {
        var yaml = File.ReadAllText(Path.Combine(Bicep.Root, "azure.yaml"));
        ServiceName().Match(yaml).Groups[1].Value.ShouldBe("api");
        yaml.ShouldContain("project: ./src/Demand.Functions");
        yaml.ShouldContain("host: function");

        var app = Deployed().Single(r => r.Type == "Microsoft.Web/sites");
        ((Dictionary<string, object?>)app.Evaluate("tags")!)["azd-service-name"].ShouldBe("api");

        File.Exists(Path.Combine(Bicep.Root, "src", "Demand.Functions", "../../scripts/publish.sh")).ShouldBeTrue();
        File.Exists(Path.Combine(Bicep.Root, "scripts", "subscribe-events.sh")).ShouldBeTrue();
        yaml.ShouldContain("run: ../../scripts/publish.sh");
        yaml.ShouldContain("run: ./scripts/subscribe-events.sh");
    }

    [Theory]
    [InlineData("deploy.sh")]
    [InlineData("scripts/publish.sh")]
    [InlineData("scripts/subscribe-events.sh")]
    public void Deploying_needs_no_training_setup_or_npm(string script)
    {
        var text = File.ReadAllText(Path.Combine(Bicep.Root, script));

        var commands = string.Join('\n', text.Split('\n').Where(l => !l.TrimStart().StartsWith('#')));

        commands.ShouldNotContain("setup.sh");
        commands.ShouldNotContain("apt-get");
        commands.ShouldNotContain("npm ");
    }

    [Fact]
    public void The_azd_parameter_file_does_not_pin_the_operator_so_the_deployer_default_applies()
    {
        var parameters = JsonNode.Parse(File.ReadAllText(Path.Combine(Bicep.Infra, "main.parameters.json")))!["parameters"]!.AsObject();

        parameters.ShouldNotContain(p => p.Key == "operatorPrincipalId");
        parameters["environmentName"]!["value"]!.GetValue<string>().ShouldBe("${AZURE_ENV_NAME}");
    }

    [GeneratedRegex(@"(?m)^services:\s*\n\s+(\w+):")]
    private static partial Regex ServiceName();
}
