namespace Demand.Infra.Tests;

/// <summary>
/// Over the compiled ARM template (copy loops expanded, conditions evaluated with the default parameters): every
/// data-plane role the app identity uses and every one the deploying operator needs for the first merchant key and the
/// first upload is assigned — Owner/Contributor carry no data access, so a missing one is a 403 after deploy.
/// </summary>
public sealed class RoleAssignmentTests
{
    private const string BlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    private const string BlobDataContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
    private const string QueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    private const string TableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    private const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";
    private const string OpenAiUser = "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd";
    private const string CosmosDataContributor = "00000000-0000-0000-0000-000000000002";

    private sealed record Grant(string Principal, string Role, string Scope);

    private static List<Grant> Grants(IReadOnlyDictionary<string, object?>? parameters = null) =>
        CompiledTemplate.Resources(Bicep.Build("main.bicep"), parameters ?? new Dictionary<string, object?> { ["environmentName"] = "dev" })
            .Where(r => r.Type is "Microsoft.Authorization/roleAssignments" or "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments")
            .Select(r => new Grant(
                Principal(r.Text("properties.principalId")),
                r.Text("properties.roleDefinitionId").Split('/')[^1],
                r.Type == "Microsoft.Authorization/roleAssignments" ? r.Text("scope") : r.Text("properties.scope")))
            .ToList();

    /// <summary>Whose principal id an expression yields.</summary>
    private static string Principal(string expression) => expression switch
    {
        "deployer().objectId" => "deployer",
        _ when expression.Contains("Microsoft.Resources/deployments/identity", StringComparison.Ordinal) && expression.EndsWith(".outputs.principalId.value", StringComparison.Ordinal) => "app",
        _ when expression.Contains("Microsoft.EventGrid/systemTopics", StringComparison.Ordinal) && expression.EndsWith(".identity.principalId", StringComparison.Ordinal) => "event-grid",
        _ => expression,
    };

    [Theory]
    [InlineData(BlobDataOwner, "Microsoft.Storage/storageAccounts")]
    [InlineData(QueueDataContributor, "Microsoft.Storage/storageAccounts")]
    [InlineData(TableDataContributor, "Microsoft.Storage/storageAccounts")]
    [InlineData(CosmosDataContributor, "Microsoft.DocumentDB/databaseAccounts")]
    [InlineData(OpenAiUser, "Microsoft.CognitiveServices/accounts")]
    [InlineData(MonitoringMetricsPublisher, "Microsoft.Insights/components")]
    public void The_app_identity_holds_each_data_role_it_uses(string role, string scopeType)
    {
        Grants().ShouldContain(g => g.Principal == "app" && g.Role == role && g.Scope.Contains(scopeType, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(CosmosDataContributor, "Microsoft.DocumentDB/databaseAccounts")]
    [InlineData(BlobDataContributor, "Microsoft.Storage/storageAccounts")]
    [InlineData(QueueDataContributor, "Microsoft.Storage/storageAccounts")]
    public void The_deploying_identity_gets_the_data_roles_for_the_first_merchant_key_and_upload_by_default(string role, string scopeType)
    {
        Grants().ShouldContain(g => g.Principal == "deployer" && g.Role == role && g.Scope.Contains(scopeType, StringComparison.Ordinal));
    }

    [Fact]
    public void An_explicit_operator_replaces_the_deployer_and_an_empty_one_gets_nothing()
    {
        var named = Grants(new Dictionary<string, object?> { ["environmentName"] = "dev", ["operatorPrincipalId"] = "11111111-2222-3333-4444-555555555555" });
        named.Count(g => g.Principal == "11111111-2222-3333-4444-555555555555").ShouldBe(3);
        named.ShouldNotContain(g => g.Principal == "deployer");

        var none = Grants(new Dictionary<string, object?> { ["environmentName"] = "dev", ["operatorPrincipalId"] = "" });
        none.ShouldAllBe(g => g.Principal == "app" || g.Principal == "event-grid");
    }

    [Fact]
    public void Without_Azure_OpenAI_no_OpenAI_role_is_assigned()
    {
        Grants(new Dictionary<string, object?> { ["environmentName"] = "dev", ["deployOpenAi"] = false })
            .ShouldNotContain(g => g.Role == OpenAiUser);
    }

    [Fact]
    public void Event_Grid_may_write_dead_letters_into_their_container_only()
    {
        var grant = Grants().Single(g => g.Principal == "event-grid");

        grant.Role.ShouldBe(BlobDataContributor);
        grant.Scope.ShouldStartWith("{rg}/providers/Microsoft.Storage/storageAccounts/blobServices/containers/");
        grant.Scope.ShouldEndWith("/default/eventgrid-deadletter");
    }

    [Fact]
    public void No_role_goes_to_a_principal_the_test_cannot_name()
    {
        Grants().Select(g => g.Principal).Distinct().Order().ShouldBe(["app", "deployer", "event-grid"]);
    }
}
