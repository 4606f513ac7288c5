using System.CommandLine;
using System.Net.Http.Json;

namespace Demand.Cli.Commands;

/// <summary>
/// <c>demand trigger NightlyRescore</c>: asks a running <c>demand host</c> (or <c>func start</c>) to invoke a
/// non-HTTP function now, through the Functions admin API (<c>POST /admin/functions/{name}</c>, 202 Accepted).
/// </summary>
internal static class TriggerCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("function") { Description = "Function name, e.g. NightlyRescore." };
        var input = new Option<string?>("--input") { Description = "Input for a queue function (the message)." };
        var port = new Option<int>("--port") { DefaultValueFactory = _ => 7071 };
        var command = new Command("trigger", "Invoke a function of a running 'demand host' now (admin API).") { name, input, port };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{parse.GetValue(port)}/") };
            using var response = await http.PostAsJsonAsync($"admin/functions/{Uri.EscapeDataString(parse.GetValue(name)!)}", new { input = parse.GetValue(input) ?? string.Empty }, cancellationToken);
            Console.WriteLine($"{parse.GetValue(name)}: {(int)response.StatusCode} {response.ReasonPhrase}");
            return response.IsSuccessStatusCode ? 0 : 1;
        });
        return command;
    }
}
