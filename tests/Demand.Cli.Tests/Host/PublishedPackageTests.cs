using System.IO.Compression;
using System.Net;
using Demand.Cli.Commands;
using Demand.Hosting.Definitions;
using Demand.Testing;

namespace Demand.Cli.Tests.Host;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PublishedPackageTests(CosmosServerFixture cosmos)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact(Skip = AppHostHarness.PendingIsolatedWorker)]
    public async Task The_published_package_has_the_flex_layout_and_starts_under_the_stand_in_once_extracted()
    {
        var output = Directory.CreateTempSubdirectory("demand-publish-").FullName;
        var (folder, zip) = await AppPackager.PublishAsync(output, Ct);

        File.Exists(Path.Combine(folder, "host.json")).ShouldBeTrue();
        var functions = FunctionDefinition.LoadAll(folder).Select(f => f.Name).Order().ToList();
        functions.ShouldBe(["Api", "IngestLog", "MineReviews", "NightlyMerchant", "NightlyRescore", "ScoreUsers"]);
        File.Exists(Path.Combine(folder, AppPackager.OnnxRuntimeLibrary)).ShouldBeTrue();
        File.Exists(Path.Combine(folder, "local.settings.json")).ShouldBeFalse();
        File.Exists(Path.Combine(folder, "libhostfxr.so")).ShouldBeTrue("self-contained: the runtime travels with the app");
        File.GetUnixFileMode(Path.Combine(folder, "Demand.Functions")).HasFlag(UnixFileMode.UserExecute).ShouldBeTrue();

        var extracted = Path.Combine(output, "extracted");
        ZipFile.ExtractToDirectory(zip, extracted);
        File.GetUnixFileMode(Path.Combine(extracted, "Demand.Functions")).HasFlag(UnixFileMode.UserExecute).ShouldBeTrue("the zip keeps the run bit");

        await using var app = await AppHostHarness.StartAsync(cosmos, extracted, cancellationToken: Ct);
        using var http = new HttpClient { BaseAddress = app.Host.HttpBaseAddress };
        using var response = await http.GetAsync(new Uri("api/health", UriKind.Relative), Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await app.Host.TriggerAsync("NightlyRescore", Ct)).Succeeded.ShouldBeTrue();

        Directory.Delete(output, recursive: true);
    }
}
