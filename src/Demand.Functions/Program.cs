using Demand.Functions.Api;
using Demand.Functions.Hosting;
using Demand.Functions.Triggers.IngestLog;
using Demand.Functions.Triggers.MineReviews;
using Demand.Functions.Triggers.NightlyMerchant;
using Demand.Functions.Triggers.NightlyRescore;
using Demand.Functions.Triggers.ScoreUsers;
using Demand.Infrastructure.Cosmos;

var builder = WebApplication.CreateBuilder(args);
builder.AddCustomHandlerHosting();
builder.Services.AddDemandCosmos(builder.Configuration);
builder.Services.AddIngestion(builder.Configuration);
builder.Services.AddScoring(builder.Configuration);
builder.Services.AddMining(builder.Configuration);
builder.Services.AddNightlyRescore(builder.Configuration);
builder.Services.AddDemandApi(builder.Configuration);

var app = builder.Build();
app.UseRateLimiter();
app.MapCustomHandlerReadiness();
app.MapIngestLog();
app.MapScoreUsers();
app.MapMineReviews();
app.MapNightlyRescore();
app.MapNightlyMerchant();
app.MapDemandApi();
app.Run();

/// <summary>Entry point type, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
