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
    [InlineData("It never crashes and doesn't overheat", false)]
    [InlineData("No problems until it died", true)]
    public void A_stated_limit_failure_or_sound_fault_is_a_complaint_cue_and_its_negation_is_not(string clause, bool complaint) =>
        AspectNeeds.IsComplaint(clause).ShouldBe(complaint);

    [Theory]
    [InlineData("The fan is not too loud at all.")]
    [InlineData("I never had a problem with the charger.")]
    [InlineData("The keyboard is not bad")]
    [InlineData("the fan isn’t noisy")]
    [InlineData("It doesn't overheat")]
    [InlineData("can't complain about the price")]
    [InlineData("no issues with the screen")]
    [InlineData("we don't have any problems with it")]
    public void A_denied_fault_is_not_a_complaint_whatever_the_head_says(string clause) =>
        AspectNeeds.PolarityOf(negative: 0.9f, neutral: 0.05f, positive: 0.05f, clause).ShouldBe(AspectNeeds.Positive);

    [Theory]
    [InlineData("The speakers are not loud enough", AspectNeeds.Negative)]
    [InlineData("The screen isn't bright enough", AspectNeeds.Negative)]
    [InlineData("Battery life is not great", AspectNeeds.Negative)]
    [InlineData("no problems at first, then it broke", AspectNeeds.Negative)]
    [InlineData("the battery only lasts 3 hours", AspectNeeds.Negative)]
    [InlineData("The driver updates don't fix the issue", AspectNeeds.Negative)]
    [InlineData("they can't guarantee the problem will be solved", AspectNeeds.Negative)]
    public void A_negated_quality_a_denial_of_something_else_or_a_fault_outside_the_denial_stays_a_complaint(string clause, string expected) =>
        AspectNeeds.PolarityOf(negative: 0.6f, neutral: 0.2f, positive: 0.2f, clause).ShouldBe(expected);

    [Fact]
    public void A_denied_fault_is_praise_or_a_mention_as_the_heads_other_scores_say()
    {
        AspectNeeds.PolarityOf(0.9f, 0.02f, 0.08f, "the screen size is not that bad").ShouldBe(AspectNeeds.Positive);
        AspectNeeds.PolarityOf(0.9f, 0.08f, 0.02f, "the screen size is not that bad").ShouldBe(AspectNeeds.Neutral);
    }

    [Theory]
    [InlineData(0.2f, 0.3f, 0.5f, AspectNeeds.Positive)]
    [InlineData(0.2f, 0.5f, 0.3f, AspectNeeds.Neutral)]
    [InlineData(0.5f, 0.2f, 0.3f, AspectNeeds.Negative)]
    public void Without_a_cue_the_head_decides(float negative, float neutral, float positive, string expected) =>
        AspectNeeds.PolarityOf(negative, neutral, positive, "The screen is fine").ShouldBe(expected);
}
