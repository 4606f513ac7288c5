using Demand.Cli.Commands;
using Demand.Cli.Host;
using Demand.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Demand.Cli.Tests.Host;

/// <summary>A stand-in over a temporary storage folder, running the real handler process with its own Cosmos database.</summary>
internal static class StandInHarness
{
    public static LocalHostOptions Options(CosmosServerFixture cosmos, string? storage = null, IDictionary<string, string?>? extra = null)
    {
        var settings = HandlerSettings.ForCosmos(cosmos.NewDatabaseOptions())
            .ToDictionary(kv => kv.Key.Replace(":", "__", StringComparison.Ordinal), kv => kv.Value);
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return new LocalHostOptions
        {
            AppRoot = CliPaths.DefaultAppRoot(),
            StorageRoot = storage ?? NewStorage(),
            Settings = settings,
            PollInterval = TimeSpan.FromMilliseconds(50),
            EnableTimerSchedules = false,
            RetryDelayOverride = TimeSpan.Zero,
        };
    }

    public static string NewStorage() => Directory.CreateTempSubdirectory("demand-host-").FullName;

    public static ILoggerFactory Logs => NullLoggerFactory.Instance;
}
