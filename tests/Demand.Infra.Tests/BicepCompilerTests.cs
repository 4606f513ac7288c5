namespace Demand.Infra.Tests;

/// <summary>Every .bicep file under infra/ compiles and lints without a single diagnostic (warnings included).</summary>
public sealed class BicepCompilerTests
{
    [Fact]
    public void Every_bicep_file_builds_without_errors_or_warnings()
    {
        var (exit, diagnostics) = Bicep.BuildAll();

        exit.ShouldBe(0, diagnostics);
        diagnostics.ShouldBeEmpty("bicep build diagnostics");
        foreach (var file in Bicep.Files())
        {
            Bicep.Build(Path.GetRelativePath(Bicep.Infra, file))["$schema"]!.GetValue<string>().ShouldContain("deploymentTemplate.json");
        }
    }

    [Fact]
    public void Every_bicep_file_lints_clean()
    {
        var (exit, output, errors) = Bicep.Run("lint", "--pattern", "infra/**/*.bicep");

        exit.ShouldBe(0, errors);
        (output + errors).Trim().ShouldBeEmpty("bicep lint diagnostics (fix them; a suppression needs its reason in infra/bicepconfig.json)");
    }

    [Fact]
    public void The_linter_reports_what_it_should_so_a_clean_lint_means_something()
    {
        var probe = Path.Combine(Path.GetTempPath(), $"demand-lint-probe-{Guid.NewGuid():N}.bicep");
        File.WriteAllText(probe, "param unused string\n");
        try
        {
            var (_, output, errors) = Bicep.Run("lint", probe);
            (output + errors).ShouldContain("no-unused-params");
        }
        finally
        {
            File.Delete(probe);
        }
    }

    [Fact]
    public void The_theory_covers_the_main_template_the_event_subscription_and_every_module()
    {
        var files = Bicep.Files().Select(f => Path.GetRelativePath(Bicep.Infra, f)).ToList();

        files.ShouldContain("main.bicep");
        files.ShouldContain("events.bicep");
        files.Count(f => f.StartsWith("modules", StringComparison.Ordinal)).ShouldBeGreaterThanOrEqualTo(9);
    }
}
