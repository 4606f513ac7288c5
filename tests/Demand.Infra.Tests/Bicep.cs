using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;

namespace Demand.Infra.Tests;

/// <summary>The Bicep CLI restored from NuGet (Azure.Bicep.CommandLine.linux-x64) and the repository's infra/ folder.</summary>
internal static class Bicep
{
    public static string Root { get; } = FindRoot();

    public static string Infra => Path.Combine(Root, "infra");

    public static IEnumerable<string> Files() =>
        Directory.EnumerateFiles(Infra, "*.bicep", SearchOption.AllDirectories).Order(StringComparer.Ordinal);

    public static string Executable()
    {
        var package = typeof(Bicep).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BicepPackageRoot").Value;
        var path = Path.Combine(package ?? throw new InvalidOperationException("BicepPackageRoot is not set: is the package restored?"), "tools", "bicep");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException("The Bicep CLI is missing from the restored package.", path);
        }

        // NuGet extracts without the execute bit on some machines (package files carry no Unix modes).
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("The restored Bicep CLI is the linux-x64 build.");
        }

        var mode = File.GetUnixFileMode(path);
        if ((mode & UnixFileMode.UserExecute) == 0)
        {
            File.SetUnixFileMode(path, mode | UnixFileMode.UserExecute);
        }

        return path;
    }

    public static (int ExitCode, string Output, string Errors) Run(params string[] args)
    {
        var start = new ProcessStartInfo(Executable(), args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Root,
        };

        // Offline and quiet: no telemetry, no check for a newer version.
        start.Environment["BICEP_TELEMETRY_ENABLED"] = "false";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, output.Result, errors.Result);
    }

    /// <summary>
    /// One <c>bicep build</c> of every file under infra/ into a temporary folder (the CLI starts in seconds, so
    /// once per test run, not once per file); its diagnostics and exit code for the build test.
    /// </summary>
    private static readonly Lazy<(int ExitCode, string Diagnostics, string OutDir)> AllBuilt = new(() =>
    {
        var outDir = Path.Combine(Path.GetTempPath(), $"demand-bicep-{Guid.NewGuid():N}");
        Directory.CreateDirectory(outDir);
        var (exit, output, errors) = Run("build", "--pattern", "infra/**/*.bicep", "--outdir", outDir);
        return (exit, (output + errors).Trim(), outDir);
    });

    public static (int ExitCode, string Diagnostics) BuildAll() => (AllBuilt.Value.ExitCode, AllBuilt.Value.Diagnostics);

    /// <summary>The ARM template a .bicep file under infra/ compiles to (a fresh copy per call).</summary>
    public static JsonObject Build(string relativePath)
    {
        var (exit, diagnostics, outDir) = AllBuilt.Value;
        var json = Path.Combine(outDir, Path.ChangeExtension(relativePath, ".json"));
        if (exit != 0 || !File.Exists(json))
        {
            throw new InvalidOperationException($"bicep build did not produce {json}: {diagnostics}");
        }

        return (JsonObject)JsonNode.Parse(File.ReadAllText(json))!;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Demand.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Repository root (Demand.sln) not found above the test output.");
    }
}
