using System.IO.Compression;
using System.Net;
using Demand.Cli.Commands;
using System.Text.Json;
using Demand.Testing;

namespace Demand.Cli.Tests.Host;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PublishedPackageTests(CosmosServerFixture cosmos)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_published_package_has_the_isolated_worker_layout_and_runs_under_the_local_host_once_extracted()
    {
        var output = Directory.CreateTempSubdirectory("demand-publish-").FullName;
        var (folder, zip) = await AppPackager.PublishAsync(output, Ct);

        File.Exists(Path.Combine(folder, "host.json")).ShouldBeTrue();
        File.ReadAllText(Path.Combine(folder, "host.json")).ShouldNotContain("customHandler");
        File.ReadAllText(Path.Combine(folder, "worker.config.json")).ShouldContain("\"defaultWorkerPath\": \"Demand.Functions.dll\"");
        using (var metadata = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "functions.metadata"))))
        {
            var names = metadata.RootElement.EnumerateArray().Select(f => f.GetProperty("name").GetString()).ToList();
            names.ShouldContain("IngestLog");
            names.ShouldContain("NightlyRescore");
            names.ShouldContain("GetProfile");
        }

        File.Exists(Path.Combine(folder, AppPackager.OnnxRuntimeLibrary)).ShouldBeTrue();
        File.Exists(Path.Combine(folder, "models", "demand-mlp.onnx")).ShouldBeTrue();
        File.Exists(Path.Combine(folder, "local.settings.json")).ShouldBeFalse();
        File.Exists(Path.Combine(folder, "libhostfxr.so")).ShouldBeFalse("framework-dependent: Flex Consumption's dotnet-isolated runtime brings .NET");

        var extracted = Path.Combine(output, "extracted");
        ZipFile.ExtractToDirectory(zip, extracted);

        await using var app = await AppHostHarness.StartAsync(cosmos, extracted, cancellationToken: Ct);
        using var http = new HttpClient { BaseAddress = app.Host.HttpBaseAddress };
        using var response = await http.GetAsync(new Uri("api/health", UriKind.Relative), Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await app.Host.TriggerAsync("NightlyRescore", Ct)).Succeeded.ShouldBeTrue();

        Directory.Delete(output, recursive: true);
    }
}
