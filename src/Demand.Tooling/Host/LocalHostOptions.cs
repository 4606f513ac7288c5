using Microsoft.Extensions.Logging;

namespace Demand.Tooling.Host;

/// <summary>How to start a <see cref="LocalFunctionsHost"/>.</summary>
public sealed record LocalHostOptions
{
    /// <summary>The worker's build/publish output: host.json, worker.config.json and the worker executable.</summary>
    public required string AppDirectory { get; init; }

    /// <summary>App settings: the worker's environment and the binding connections (e.g. local.settings.json Values).</summary>
    public IDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The public HTTP port (/api, /admin, /runtime/webhooks); 0 picks a free one.</summary>
    public int HttpPort { get; init; } = 7071;

    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Fire timer triggers on their schedules (off: only <see cref="LocalFunctionsHost.TriggerAsync(string, CancellationToken)"/> fires them).</summary>
    public bool EnableTimerSchedules { get; init; } = true;

    /// <summary>How often blob-trigger containers are listed for new or changed blobs (Event Grid pushes in Azure).</summary>
    public TimeSpan BlobPollingInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The host id in blob receipt paths (azure-webjobs-hosts/blobreceipts/{hostId}/…).</summary>
    public string HostId { get; init; } = "demand-local";

    /// <summary>How long a worker may take from process start to the last FunctionLoadResponse.</summary>
    public TimeSpan WorkerStartTimeout { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>The WorkerTerminate grace period on shutdown before the process tree is killed.</summary>
    public TimeSpan ShutdownGracePeriod { get; init; } = TimeSpan.FromSeconds(5);
}
