using Demand.Tooling;
using System.Diagnostics;
using System.IO.Compression;
using Demand.Infrastructure;

namespace Demand.Cli.Commands;

/// <summary>
/// Assembles the deployable Functions app (Flex Consumption, runtime dotnet-isolated): the <c>dotnet publish</c> output of
/// the worker — host.json, worker.config.json, functions.metadata, the extensions the host loads (.azurefunctions/), the
/// framework-dependent linux-x64 worker with the native ONNX Runtime beside it, the model under models/ — and never a
/// local.settings.json. Also zips it.
/// </summary>
internal static class AppPackager
{
    public const string OnnxRuntimeLibrary = "libonnxruntime.so";

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    public static async Task<(string Folder, string Zip)> PublishAsync(string output, CancellationToken cancellationToken)
    {
        var root = RepoPaths.RepositoryRoot() ?? throw new InvalidOperationException("Run from the repository (Demand.sln not found).");
        var folder = Path.Combine(Path.GetFullPath(output), "app");
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        var publish = new ProcessStartInfo("dotnet", [
            "publish", Path.Combine(root, "src", "Demand.Functions", "Demand.Functions.csproj"),
            "-c", Configuration, "-r", "linux-x64", "--self-contained", "false", "-o", folder, "-nologo", "-v", "quiet", "-clp:ErrorsOnly",
            "-p:DebugType=none",

            // The libraries are already built by the solution build (./scripts/setup.sh); rebuilding them here
            // would rewrite assemblies that running processes (tests, a running local host) have loaded.
            "-p:BuildProjectReferences=false",
        ])
        { UseShellExecute = false };
        using (var process = Process.Start(publish) ?? throw new InvalidOperationException("Could not start dotnet publish."))
        {
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"dotnet publish failed with exit code {process.ExitCode}.");
            }
        }

        if (!File.Exists(Path.Combine(folder, OnnxRuntimeLibrary)))
        {
            throw new InvalidOperationException($"dotnet publish did not ship {OnnxRuntimeLibrary} (Microsoft.ML.OnnxRuntime): the app could not score.");
        }

        File.Delete(Path.Combine(folder, "local.settings.json"));
        foreach (var dev in Directory.EnumerateFiles(folder, "appsettings.Development.json"))
        {
            File.Delete(dev);
        }

        if (!File.Exists(Path.Combine(folder, "worker.config.json")) || !File.Exists(Path.Combine(folder, "functions.metadata")))
        {
            throw new InvalidOperationException("dotnet publish did not write worker.config.json and functions.metadata (Microsoft.Azure.Functions.Worker.Sdk).");
        }

        var zip = Path.Combine(Path.GetFullPath(output), "app.zip");
        File.Delete(zip);
        ZipFile.CreateFromDirectory(folder, zip, CompressionLevel.Optimal, includeBaseDirectory: false);
        return (folder, zip);
    }
}
