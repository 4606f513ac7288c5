namespace Demand.Infrastructure.Mining;

/// <summary>
/// Spots review text that addresses the model (instructions, prompts, JSON) so it is mined in a request of its
/// own. Validation catches invented evidence and broken output, but not a steered model that re-labels the other
/// reviews of its batch with valid evidence; isolation makes that harm impossible — a hostile review can then only
/// spoil its own result. False positives cost one extra small request, never a wrong result.
/// </summary>
internal static class InstructionScreen
{
    // Phrases that talk to a model, not about a product; everyday words such as "system" or "output" (sound
    // system, power output) are left out because a false positive costs a request of its own.
    private static readonly string[] Markers =
    [
        "ignore", "instruct", "prompt", "assistant", "schema", "override", "disregard", "respond with", "reply with",
        "you are now", "{", "}", "</", "<reviews", "忽略", "指令", "系统提示", "格式", "无视", "你现在是",
    ];

    public static bool LooksLikeInstructions(string text)
    {
        foreach (var marker in Markers)
        {
            if (text.Contains(marker, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
