using System.CommandLine;
using System.Net.Http.Headers;

namespace Demand.Cli.Commands;

/// <summary>The <c>--api</c> and <c>--key</c> options of commands that talk to a running Demand API as a merchant.</summary>
internal static class ApiConnection
{
    public static Option<Uri> Url { get; } = new("--api")
    {
        Description = "Base URL of the Demand API (env DEMAND_API; default the local host, http://localhost:7071).",
        DefaultValueFactory = _ => new Uri(Environment.GetEnvironmentVariable("DEMAND_API") is { Length: > 0 } url ? url : "http://localhost:7071"),
    };

    public static Option<string?> Key { get; } = new("--key") { Description = "The merchant's API key (env DEMAND_API_KEY)." };

    public static HttpClient From(ParseResult parse) =>
        Create(parse.GetValue(Url)!, parse.GetValue(Key) ?? Environment.GetEnvironmentVariable("DEMAND_API_KEY")
            ?? throw new InvalidOperationException("Pass --key or set DEMAND_API_KEY (demand merchants add <id> prints one)."));

    public static HttpClient Create(Uri api, string key)
    {
        var client = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromMinutes(5) };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }
}
