using System.Diagnostics;
using System.Security.Cryptography;

namespace Demand.Cli.Tests.Synthetic;

public sealed class GenerateDeterminismTests
{
    private static async Task<string> GenerateInNewProcessAsync(int seed)
    {
        var output = Directory.CreateTempSubdirectory("demand-gen-").FullName;
        var cli = Path.Combine(AppContext.BaseDirectory, "demand.dll");
        var start = new ProcessStartInfo("dotnet", [cli, "generate", "--out", output, "--users", "200", "--days", "4", "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        process.ExitCode.ShouldBe(0);
        var files = Directory.EnumerateFiles(output, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files)
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetRelativePath(output, file)));
            sha.AppendData(await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken));
        }

        Directory.Delete(output, recursive: true);
        return Convert.ToHexString(sha.GetHashAndReset());
    }

    [Fact]
    public async Task The_same_seed_writes_byte_identical_markets_in_separate_processes_and_another_seed_does_not()
    {
        var first = await GenerateInNewProcessAsync(42);
        var second = await GenerateInNewProcessAsync(42);
        var other = await GenerateInNewProcessAsync(43);

        second.ShouldBe(first);
        other.ShouldNotBe(first);
    }
}
