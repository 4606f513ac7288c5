namespace Demand.Tooling.Tests;

/// <summary>Finds the build output of tests/Demand.Testing.Worker next to this test assembly's configuration.</summary>
public static class WorkerApp
{
    public static string Directory()
    {
        // .../tests/Demand.Tooling.Tests/bin/<Configuration>/net10.0/ → .../tests/Demand.Testing.Worker/bin/<Configuration>/net10.0/
        var baseDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = baseDirectory.Name;
        var configuration = baseDirectory.Parent!.Name;
        var tests = baseDirectory.Parent.Parent!.Parent!.Parent!.FullName;
        var app = Path.Combine(tests, "Demand.Testing.Worker", "bin", configuration, framework);
        return File.Exists(Path.Combine(app, "worker.config.json"))
            ? app
            : throw new DirectoryNotFoundException($"The Testing.Worker build output is not at {app}: build tests/Demand.Testing.Worker -c {configuration}.");
    }
}
