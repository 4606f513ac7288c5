using System.Text.Json;

namespace Demand.Tooling.Host;

/// <summary>
/// worker.config.json as the Worker SDK writes it next to the app: how the real host starts the worker
/// (<c>defaultExecutablePath [arguments] defaultWorkerPath [workerArguments]</c>, in the app folder).
/// </summary>
public sealed record WorkerConfig
{
    public required string ExecutablePath { get; init; }

    public required IReadOnlyList<string> Arguments { get; init; }

    public string? WorkerPath { get; init; }

    public required IReadOnlyList<string> WorkerArguments { get; init; }

    public static WorkerConfig Load(string appDirectory)
    {
        var path = Path.Combine(appDirectory, "worker.config.json");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No worker.config.json in {appDirectory}: is it the build output of an isolated-worker app (Microsoft.Azure.Functions.Worker.Sdk)?", path);
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var description = document.RootElement.GetProperty("description");
        string? Text(string name) => description.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        IReadOnlyList<string> List(string name) => description.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
            ? [.. v.EnumerateArray().Select(a => a.GetString()!).Where(a => a.Length > 0)]
            : [];

        var executable = Text("defaultExecutablePath") ?? throw new InvalidDataException($"{path} has no description.defaultExecutablePath.");
        var workerPath = Text("defaultWorkerPath");
        return new WorkerConfig
        {
            ExecutablePath = ResolveExecutable(appDirectory, executable),
            Arguments = List("arguments"),
            WorkerPath = string.IsNullOrEmpty(workerPath) ? null : Path.GetFullPath(Path.Combine(appDirectory, workerPath)),
            WorkerArguments = List("workerArguments"),
        };
    }

    // "dotnet" is looked up on PATH; a relative executable (a self-contained app) lives in the app folder.
    private static string ResolveExecutable(string appDirectory, string executable)
    {
        var local = Path.Combine(appDirectory, executable);
        return executable.Contains('/', StringComparison.Ordinal) || File.Exists(local) ? Path.GetFullPath(local) : executable;
    }
}
