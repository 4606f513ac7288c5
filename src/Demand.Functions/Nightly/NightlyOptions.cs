using System.ComponentModel.DataAnnotations;

namespace Demand.Functions.Nightly;

/// <summary>Nightly settings (section <c>Nightly</c>).</summary>
public sealed class NightlyOptions
{
    public const string Section = "Nightly";

    /// <summary>Users seen within this many days are rescored.</summary>
    [Range(1, 365)]
    public int ActiveDays { get; set; } = 30;

    /// <summary>
    /// How long a run may hold the lease (and a merchant invocation its claim) before another may take over: a crashed
    /// holder blocks the next start at most this long.
    /// </summary>
    [Range(1, 720)]
    public int LeaseMinutes { get; set; } = 60;
}
