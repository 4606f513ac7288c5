using System.CommandLine;

namespace Demand.Cli.Commands;

/// <summary><c>demand publish</c>: the deployable app folder and zip for Flex Consumption.</summary>
internal static class PublishCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Output folder (gets app/ and app.zip).", DefaultValueFactory = _ => "artifacts" };
        var command = new Command("publish", "Assemble the deployable Functions app folder and zip (dotnet-isolated, linux-x64).") { output };
        command.SetAction(async (parse, ct) =>
        {
            var (folder, zip) = await AppPackager.PublishAsync(parse.GetValue(output)!, ct);
            Console.WriteLine($"app folder: {folder}");
            Console.WriteLine($"app zip:    {zip} ({new FileInfo(zip).Length / 1024 / 1024} MiB)");
            return 0;
        });
        return command;
    }
}
