using Demand.Tooling.Host;

namespace Demand.Tooling.Tests.Host;

public sealed class CronScheduleTests
{
    [Fact]
    public void The_nightly_schedule_fires_at_two_in_the_morning_utc()
    {
        var schedule = CronSchedule.Parse("0 0 2 * * *");

        schedule.Next(new DateTimeOffset(2026, 11, 22, 9, 30, 0, TimeSpan.Zero)).ShouldBe(new DateTimeOffset(2026, 11, 23, 2, 0, 0, TimeSpan.Zero));
        schedule.Next(new DateTimeOffset(2026, 11, 22, 1, 59, 59, TimeSpan.Zero)).ShouldBe(new DateTimeOffset(2026, 11, 22, 2, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public void Steps_ranges_and_weekdays_are_honoured()
    {
        CronSchedule.Parse("*/15 * * * * *").Next(new DateTimeOffset(2026, 1, 1, 0, 0, 7, TimeSpan.Zero)).Second.ShouldBe(15);
        CronSchedule.Parse("0 30 9 * * 1-5").Next(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero)) // a Saturday
            .ShouldBe(new DateTimeOffset(2026, 11, 23, 9, 30, 0, TimeSpan.Zero));
    }

    [Theory]
    [InlineData("0 0 2 * *")]
    [InlineData("0 0 25 * * *")]
    [InlineData("x 0 2 * * *")]
    public void Malformed_expressions_are_rejected(string expression) =>
        Should.Throw<Exception>(() => CronSchedule.Parse(expression));
}
