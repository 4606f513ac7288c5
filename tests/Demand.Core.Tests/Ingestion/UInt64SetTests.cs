using Demand.Core.Ingestion;

namespace Demand.Core.Tests.Ingestion;

public sealed class UInt64SetTests
{
    [Fact]
    public void Each_value_is_added_once_across_growth_including_zero()
    {
        var set = new UInt64Set();
        var random = new Random(11);
        var values = Enumerable.Range(0, 5000).Select(_ => (ulong)random.NextInt64()).Append(0UL).Append(1UL << 40).ToList();

        var firstPass = values.Select(set.Add).ToList();
        var secondPass = values.Select(set.Add).ToList();

        firstPass.Count(added => added).ShouldBe(values.Distinct().Count());
        secondPass.ShouldAllBe(added => !added);
        set.Count.ShouldBe(values.Distinct().Count());
    }
}
