using System.ClientModel.Primitives;
using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Text;
using Azure.AI.OpenAI;
using Azure.Core;
using Demand.Infrastructure.Mining;
using OpenAI.Chat;

namespace Demand.Infrastructure.Tests.Mining;

/// <summary>Which client and which authentication each kind of endpoint gets.</summary>
public sealed class OpenAiConnectionTests
{
    private const string ChatAnswer = """{"id":"c1","object":"chat.completion","created":1,"model":"gpt","choices":[{"index":0,"message":{"role":"assistant","content":"{}"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}""";
    private const string EmbeddingAnswer = """{"object":"list","data":[{"object":"embedding","index":0,"embedding":"AACAPwAAAEA="}],"model":"emb","usage":{"prompt_tokens":1,"total_tokens":1}}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("https://demand-oai.openai.azure.com/openai/v1/")]
    [InlineData("https://demand-ai.cognitiveservices.azure.com/")]
    public async Task An_azure_openai_endpoint_gets_the_azure_client_with_a_managed_identity_token_and_no_key(string endpoint)
    {
        var credential = new RecordingCredential();
        var handler = new RecordingHandler();
        var options = new OpenAiMinerOptions { Endpoint = new Uri(endpoint), Model = "gpt-deployment", EmbeddingModel = "emb-deployment" };

        var client = OpenAiConnection.Client(options, credential, new HttpClientPipelineTransport(new HttpClient(handler)));
        var chat = await client.GetChatClient(options.Model).CompleteChatAsync([new UserChatMessage("hi")], new ChatCompletionOptions { Temperature = 0 }, Ct);
        var embeddings = await client.GetEmbeddingClient(options.EmbeddingModel).GenerateEmbeddingsAsync(["phrase"], cancellationToken: Ct);

        client.ShouldBeOfType<AzureOpenAIClient>();
        chat.Value.Content[0].Text.ShouldBe("{}");
        embeddings.Value[0].ToFloats().ToArray().ShouldBe([1f, 2f]);
        credential.Scopes.ShouldAllBe(s => s == "https://cognitiveservices.azure.com/.default");
        credential.Scopes.ShouldNotBeEmpty();
        handler.Requests.Count.ShouldBe(2);
        handler.Requests.ShouldAllBe(r => r.Authorization == "Bearer entra-token" && r.ApiKey == null);
        var host = new Uri(endpoint).Host;
        handler.Requests[0].Uri.ShouldStartWith($"https://{host}/openai/deployments/gpt-deployment/chat/completions?api-version=");
        handler.Requests[1].Uri.ShouldStartWith($"https://{host}/openai/deployments/emb-deployment/embeddings?api-version=");
    }

    [Fact]
    public async Task A_local_openai_compatible_endpoint_gets_the_plain_client_with_its_api_key()
    {
        var handler = new RecordingHandler();
        var options = new OpenAiMinerOptions { Endpoint = new Uri("http://127.0.0.1:5999/v1/"), Model = "test-model", ApiKey = "test-key" };

        var client = OpenAiConnection.Client(options, new RecordingCredential(), new HttpClientPipelineTransport(new HttpClient(handler)));
        await client.GetChatClient(options.Model).CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: Ct);

        client.ShouldNotBeOfType<AzureOpenAIClient>();
        handler.Requests.ShouldHaveSingleItem().Uri.ShouldBe("http://127.0.0.1:5999/v1/chat/completions");
        handler.Requests[0].Authorization.ShouldBe("Bearer test-key");
    }

    [Theory]
    [InlineData("https://demand-oai.openai.azure.com/openai/v1/")]
    [InlineData("https://llm.example.com/v1/")]
    public void An_api_key_with_a_remote_endpoint_is_refused_by_validation_and_by_the_connection(string endpoint)
    {
        var options = new OpenAiMinerOptions { Endpoint = new Uri(endpoint), Model = "gpt", ApiKey = "secret" };

        var errors = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true).ShouldBeFalse();

        errors.ShouldContain(e => e.MemberNames.Contains(nameof(OpenAiMinerOptions.ApiKey)));
        Should.Throw<InvalidOperationException>(() => OpenAiConnection.Client(options, new RecordingCredential())).Message.ShouldContain("managed identity");
    }

    [Theory]
    [InlineData("https://demand-oai.openai.azure.com/openai/v1/", true)]
    [InlineData("https://DEMAND.OPENAI.AZURE.COM/", true)]
    [InlineData("https://demand-ai.cognitiveservices.azure.com/", true)]
    [InlineData("https://openai.azure.com.example.com/", false)]
    [InlineData("http://127.0.0.1:5999/v1/", false)]
    [InlineData("https://api.openai.com/v1/", false)]
    public void Only_azure_openai_resource_hosts_count_as_azure(string endpoint, bool azure) =>
        OpenAiConnection.IsAzureOpenAi(new Uri(endpoint)).ShouldBe(azure);

    private sealed class RecordingCredential : TokenCredential
    {
        public List<string> Scopes { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            lock (Scopes)
            {
                Scopes.AddRange(requestContext.Scopes);
            }

            return new AccessToken("entra-token", DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }

    private sealed record Sent(string Uri, string? Authorization, string? ApiKey);

    private sealed class RecordingHandler : HttpMessageHandler
    {
        public List<Sent> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri!.ToString();
            Requests.Add(new Sent(uri, request.Headers.Authorization?.ToString(), request.Headers.TryGetValues("api-key", out var key) ? key.Single() : null));
            var body = uri.Contains("/embeddings", StringComparison.Ordinal) ? EmbeddingAnswer : ChatAnswer;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
        }
    }
}
