namespace Demand.Infrastructure.Onnx;

/// <summary>Where the native ONNX Runtime library is: configured, beside the app (published package), or in the repo's npm packages.</summary>
public static class OnnxRuntimeLocator
{
    public const string LibraryName = "libonnxruntime.so.1";

    public static string Find(string? configured = null)
    {
        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }

        var beside = Path.Combine(AppContext.BaseDirectory, LibraryName);
        if (File.Exists(beside))
        {
            return beside;
        }

        try
        {
            return Path.Combine(RepoPaths.NodeModules(), "onnxruntime-node", "bin", "napi-v6", "linux", "x64", LibraryName);
        }
        catch (DirectoryNotFoundException)
        {
            return beside;
        }
    }
}
