using Demand.Core.Mining;

namespace Demand.Core.Tests.Mining;

public sealed class AspectNeedsTests
{
    [Theory]
    [InlineData("The fan is so loud", true)]
    [InlineData("the speakers crackle at high volume", true)]
    [InlineData("It gets noisy under load", true)]
    [InlineData("The battery only lasts 3 hours", true)]
    [InlineData("The fan is not too loud", false)]
    [InlineData("The speakers are loud and clear", false)]
    [InlineData("The screen is gorgeous", false)]
    public void A_stated_limit_failure_or_sound_fault_is_a_complaint_cue_and_its_negation_is_not(string clause, bool complaint) =>
        AspectNeeds.IsComplaint(clause).ShouldBe(complaint);
}
