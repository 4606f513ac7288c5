using Demand.Cli;

return await DemandCommand.Build().Parse(args).InvokeAsync();
