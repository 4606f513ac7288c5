using Demand.Tooling;
using System.Reflection;
using System.Text.Json;
using Demand.Core.Storage;
using Demand.Functions.Tests.Infrastructure;
using Demand.Infrastructure;
using Demand.Infrastructure.Storage;
using Demand.Testing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Demand.Functions.Tests;

/// <summary>The app's own registrations (Program.cs) are enough for every function and middleware it has.</summary>
public sealed class AppServicesTests(CosmosServerFixture cosmos)
{
    private static IConfiguration SampleSettings()
    {
        var root = RepoPaths.RepositoryRoot(AppContext.BaseDirectory) ?? throw new InvalidOperationException("Repository root not found.");
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "local.settings.sample.json")));
        // As the host passes them: environment variables, "__" for sections.
        var values = sample.RootElement.GetProperty("Values").EnumerateObject()
            .ToDictionary(p => p.Name.Replace("__", ":", StringComparison.Ordinal), p => (string?)p.Value.GetString());
        return new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    }

    private static List<Type> FunctionClasses() =>
        typeof(FunctionNames).Assembly.GetTypes()
            .Where(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly).Any(m => m.GetCustomAttribute<FunctionAttribute>() is not null))
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .ToList();

    [Fact]
    public void Every_function_class_and_middleware_is_constructible_from_the_apps_own_registrations()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(TestApp.Settings(cosmos.NewDatabaseOptions())).Build();
        using var provider = TestApp.AppServices(configuration).BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var middleware = typeof(FunctionNames).Assembly.GetTypes().Where(t => typeof(IFunctionsWorkerMiddleware).IsAssignableFrom(t) && !t.IsAbstract).ToList();
        var classes = FunctionClasses();

        classes.Count.ShouldBeGreaterThanOrEqualTo(FunctionNames.NonHttp.Count + 5);
        middleware.Select(t => t.Name).Order(StringComparer.Ordinal).ShouldBe(["ApiKeyMiddleware", "DashboardSessionMiddleware", "RateLimitMiddleware", "RequestBodyMiddleware"]);
        foreach (var type in classes.Concat(middleware))
        {
            using var scope = provider.CreateScope();
            var instance = ActivatorUtilities.CreateInstance(scope.ServiceProvider, type);
            instance.ShouldNotBeNull(type.Name);
            (instance as IDisposable)?.Dispose();
        }

        provider.GetRequiredService<IQuarantine>().ShouldBeOfType<BlobQuarantine>();
    }

    [Fact]
    public void The_sample_settings_pass_every_options_validation_the_app_runs_at_start()
    {
        using var provider = TestApp.AppServices(SampleSettings()).BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        Should.NotThrow(() => provider.GetRequiredService<IStartupValidator>().Validate());
    }

    [Fact]
    public void A_setting_out_of_range_stops_the_app_at_start_naming_it()
    {
        var configuration = new ConfigurationBuilder().AddConfiguration(SampleSettings())
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Api:RequestsPerMinutePerKey"] = "0" }).Build();
        using var provider = TestApp.AppServices(configuration).BuildServiceProvider();

        var error = Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        error.Message.ShouldContain("RequestsPerMinutePerKey");
    }
}
