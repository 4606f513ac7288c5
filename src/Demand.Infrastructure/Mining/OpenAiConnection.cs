using System.ClientModel;
using System.ClientModel.Primitives;
using Azure.AI.OpenAI;
using Azure.Core;
using Azure.Identity;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;

namespace Demand.Infrastructure.Mining;

/// <summary>
/// OpenAI SDK clients for the configured endpoint. An Azure OpenAI resource (<c>*.openai.azure.com</c>,
/// <c>*.cognitiveservices.azure.com</c>) gets an <see cref="AzureOpenAIClient"/> with an Entra token from the
/// managed identity (never a key); any other OpenAI-compatible endpoint (the local test server) gets the plain
/// OpenAI client with its API key, or with a bearer token when no key is set.
/// </summary>
internal static class OpenAiConnection
{
    private const string EntraScope = "https://cognitiveservices.azure.com/.default";

    private static readonly string[] AzureOpenAiHostSuffixes = [".openai.azure.com", ".cognitiveservices.azure.com"];

    public static ChatClient Chat(OpenAiMinerOptions options) => Client(options).GetChatClient(options.Model);

    public static EmbeddingClient Embeddings(OpenAiMinerOptions options) => Client(options).GetEmbeddingClient(options.EmbeddingModel);

    public static bool IsAzureOpenAi(Uri endpoint) =>
        endpoint.Scheme == Uri.UriSchemeHttps && AzureOpenAiHostSuffixes.Any(s => endpoint.Host.EndsWith(s, StringComparison.OrdinalIgnoreCase));

    /// <param name="credential">The identity for Azure endpoints; default: from <see cref="OpenAiMinerOptions.ManagedIdentityClientId"/>.</param>
    /// <param name="transport">The HTTP transport; default: the SDK's.</param>
    /// <exception cref="InvalidOperationException">An API key is configured for a remote endpoint.</exception>
    internal static OpenAIClient Client(OpenAiMinerOptions options, TokenCredential? credential = null, PipelineTransport? transport = null)
    {
        var endpoint = options.Endpoint ?? throw new InvalidOperationException("Mining:OpenAi:Endpoint is not set.");

        // Options validation refuses this at start already; repeated here so no path can send a key off the machine.
        if (!endpoint.IsLoopback && !string.IsNullOrEmpty(options.ApiKey))
        {
            throw new InvalidOperationException("Mining:OpenAi:ApiKey must not be set for a remote endpoint: use managed identity.");
        }

        if (IsAzureOpenAi(endpoint))
        {
            var azureOptions = new AzureOpenAIClientOptions(AzureOpenAIClientOptions.ServiceVersion.V2024_10_21)
            {
                // Retries are ours: they honour Retry-After, feed the breaker and are counted.
                RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
                NetworkTimeout = TimeSpan.FromSeconds(options.TimeoutSeconds),
            };
            if (transport is not null)
            {
                azureOptions.Transport = transport;
            }

            // The Azure client builds /openai/deployments/{deployment}/… itself from the resource's root, so a
            // configured v1 endpoint (…/openai/v1/) is cut back to it.
            return new AzureOpenAIClient(new Uri(endpoint.GetLeftPart(UriPartial.Authority) + "/"), credential ?? Credential(options), azureOptions);
        }

        var openAiOptions = new OpenAIClientOptions
        {
            Endpoint = endpoint,
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = TimeSpan.FromSeconds(options.TimeoutSeconds),
        };
        if (transport is not null)
        {
            openAiOptions.Transport = transport;
        }

        if (!string.IsNullOrEmpty(options.ApiKey))
        {
            return new OpenAIClient(new ApiKeyCredential(options.ApiKey), openAiOptions);
        }

        // An Entra-protected OpenAI-compatible endpoint that is not an Azure OpenAI resource (e.g. a gateway).
        // The AuthenticationPolicy constructor is flagged experimental; the alternative (keys) is what we refuse.
#pragma warning disable OPENAI001
        return new OpenAIClient(new BearerTokenPolicy(credential ?? Credential(options), EntraScope), openAiOptions);
#pragma warning restore OPENAI001
    }

    private static TokenCredential Credential(OpenAiMinerOptions options) =>
        string.IsNullOrEmpty(options.ManagedIdentityClientId)
            ? new DefaultAzureCredential()
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(options.ManagedIdentityClientId));
}
