using System.Globalization;
using System.Text.Json;
using Demand.Tooling.Host.Rpc;
using Microsoft.Extensions.Logging;

namespace Demand.Tooling.Host;

/// <summary>Fires a timerTrigger on its six-field NCRONTAB schedule (UTC), and at start when runOnStartup is set.</summary>
internal sealed class TimerScheduler(LocalFunctionsHost host, HostedFunction function)
{
    private readonly ILogger _logger = host.LoggerFactory.CreateLogger("Demand.Tooling.Host.Timers");

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var schedule = CronSchedule.Parse(BindingPattern.ResolveSettings(function.TriggerBinding.Text("schedule") ?? throw new InvalidDataException($"{function.Name} has no schedule."), host.Settings));
        try
        {
            if (function.TriggerBinding.Raw.TryGetProperty("runOnStartup", out var startup) && startup.ValueKind == JsonValueKind.True)
            {
                await InvokeAsync(host, function, isPastDue: false, cancellationToken);
            }

            while (!cancellationToken.IsCancellationRequested)
            {
                var next = schedule.Next(DateTimeOffset.UtcNow);
                HostLog.NextTimer(_logger, function.Name, next);
                var wait = next - DateTimeOffset.UtcNow;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellationToken);
                }

                await InvokeAsync(host, function, isPastDue: false, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Host shutdown.
        }
    }

    /// <summary>One timer invocation with the TimerInfo JSON the Azure host sends (Schedule, ScheduleStatus, IsPastDue).</summary>
    public static Task<InvocationOutcome> InvokeAsync(LocalFunctionsHost host, HostedFunction function, bool isPastDue, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        DateTimeOffset? next = null;
        try
        {
            next = CronSchedule.Parse(BindingPattern.ResolveSettings(function.TriggerBinding.Text("schedule") ?? string.Empty, host.Settings)).Next(now);
        }
        catch (FormatException)
        {
            // A TimeSpan schedule ("00:05:00") has no NCRONTAB next occurrence; ScheduleStatus.Next stays unset.
        }

        var timerInfo = new Dictionary<string, object?>
        {
            ["Schedule"] = new Dictionary<string, object> { ["AdjustForDST"] = true },
            ["ScheduleStatus"] = new Dictionary<string, object?>
            {
                ["Last"] = now.ToString("O", CultureInfo.InvariantCulture),
                ["Next"] = next?.ToString("O", CultureInfo.InvariantCulture),
                ["LastUpdated"] = now.ToString("O", CultureInfo.InvariantCulture),
            },
            ["IsPastDue"] = isPastDue,
        };
        var request = new InvocationRequest();
        request.InputData.Add(new ParameterBinding { Name = function.TriggerBinding.Name, Data = RpcValues.Json(timerInfo) });
        return host.InvokeAsync(function, request, new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase), cancellationToken);
    }
}
