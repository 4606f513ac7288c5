using System.ClientModel;
using System.ClientModel.Primitives;
using Azure.Core;
using Azure.Identity;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;

namespace Demand.Infrastructure.Mining;

/// <summary>OpenAI SDK clients for the configured endpoint: an API key for local servers, an Entra bearer token otherwise.</summary>
internal static class OpenAiConnection
{
    private const string EntraScope = "https://cognitiveservices.azure.com/.default";

    // The AuthenticationPolicy constructors are the SDK's documented Entra ID path for Azure OpenAI's v1 endpoint;
    // they are flagged experimental, and the alternative (keys) is exactly what we refuse in Azure.
#pragma warning disable OPENAI001
    public static ChatClient Chat(OpenAiMinerOptions options) =>
        string.IsNullOrEmpty(options.ApiKey)
            ? new ChatClient(options.Model, new BearerTokenPolicy(Credential(options), EntraScope), ClientOptions(options))
            : new ChatClient(options.Model, new ApiKeyCredential(options.ApiKey), ClientOptions(options));

    public static EmbeddingClient Embeddings(OpenAiMinerOptions options) =>
        string.IsNullOrEmpty(options.ApiKey)
            ? new EmbeddingClient(options.EmbeddingModel, new BearerTokenPolicy(Credential(options), EntraScope), ClientOptions(options))
            : new EmbeddingClient(options.EmbeddingModel, new ApiKeyCredential(options.ApiKey), ClientOptions(options));
#pragma warning restore OPENAI001

    private static OpenAIClientOptions ClientOptions(OpenAiMinerOptions options) => new()
    {
        Endpoint = options.Endpoint,

        // Retries are ours: they honour Retry-After, feed the breaker and are counted.
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        NetworkTimeout = TimeSpan.FromSeconds(options.TimeoutSeconds),
    };

    private static TokenCredential Credential(OpenAiMinerOptions options) =>
        string.IsNullOrEmpty(options.ManagedIdentityClientId)
            ? new DefaultAzureCredential()
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(options.ManagedIdentityClientId));
}
