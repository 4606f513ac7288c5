using Demand.Functions.Dashboard;
using Demand.Functions.Ingestion;
using Demand.Functions.Merchants;
using Demand.Functions.Mining;
using Demand.Functions.Nightly;
using Demand.Functions.Scoring;
using Demand.Functions.Training;
using Demand.Infrastructure;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMerchantApi();
builder.Services
    .AddDemandStorage(builder.Configuration)
    .AddIngestion(builder.Configuration)
    .AddScoring(builder.Configuration)
    .AddMining(builder.Configuration)
    .AddNightly(builder.Configuration)
    .AddTraining(builder.Configuration)
    .AddMerchantApi(builder.Configuration)
    .AddDashboard(builder.Configuration);
builder.Build().Run();
