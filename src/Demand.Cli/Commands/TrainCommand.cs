using Demand.Core.Identifiers;
using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;

namespace Demand.Cli.Commands;

/// <summary>
/// <c>demand train --merchant m</c>: trains, back-tests and gates one merchant's rankers now, in a running
/// <c>demand host</c> (the TrainMerchant function through the Functions admin API, as the weekly TrainModels timer would).
/// The outcome is at <c>GET /api/v1/merchants/{m}/model</c>.
/// </summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var merchant = new Option<MerchantId>("--merchant") { Description = MerchantIdParser.Description, Required = true, CustomParser = MerchantIdParser.Parse };
        var port = new Option<int>("--port") { DefaultValueFactory = _ => 7071 };
        var command = new Command("train", "Train and gate one merchant's rankers now in a running 'demand host' (outcome: GET /api/v1/merchants/{m}/model).") { merchant, port };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{parse.GetValue(port)}/") };
            var input = JsonSerializer.Serialize(new { merchantId = parse.GetValue(merchant) });
            using var response = await http.PostAsJsonAsync("admin/functions/TrainMerchant", new { input }, cancellationToken);
            Console.WriteLine($"TrainMerchant {parse.GetValue(merchant)}: {(int)response.StatusCode} {response.ReasonPhrase}");
            return response.IsSuccessStatusCode ? 0 : 1;
        });
        return command;
    }
}
