using System.ComponentModel.DataAnnotations;
using Demand.Core.Configuration;

namespace Demand.Infrastructure.Cosmos;

/// <summary>Cosmos DB settings (section <c>Cosmos</c>; app settings <c>Cosmos__Endpoint</c>, …).</summary>
public sealed class CosmosOptions : IValidatableObject
{
    public const string Section = "Cosmos";

    /// <summary>Account endpoint, e.g. https://acct.documents.azure.com:443/ or https://127.0.0.1:8081/ locally.</summary>
    [Required]
    public Uri? Endpoint { get; set; }

    /// <summary>Account key: local cosmosdb-server only. In Azure, leave empty and use managed identity.</summary>
    [LocalOnlySetting]
    public string? Key { get; set; }

    public string DatabaseName { get; set; } = "demand";

    /// <summary>Client id of the user-assigned managed identity (empty: DefaultAzureCredential).</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>Create the database and containers at start. Locally yes; in Azure Bicep owns them (data-plane RBAC cannot create).</summary>
    public bool CreateIfNotExists { get; set; }

    /// <summary>SDK bulk mode: on in Azure only (cosmosdb-server does not support it).</summary>
    public bool AllowBulkExecution { get; set; }

    /// <summary>Bounded parallelism for fan-out writes (ingestion merges, nightly rescoring).</summary>
    [Range(1, 256)]
    public int MaxConcurrency { get; set; } = 16;

    public bool IsLoopback => Endpoint is { IsLoopback: true };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Endpoint is { IsLoopback: true } && string.IsNullOrEmpty(Key))
        {
            yield return new ValidationResult("Cosmos:Key is required for a loopback (local) endpoint.", [nameof(Key)]);
        }

        if (Endpoint is { IsLoopback: false } && !string.IsNullOrEmpty(Key))
        {
            yield return new ValidationResult("Cosmos:Key must not be set for a remote account: use managed identity.", [nameof(Key)]);
        }
    }
}
