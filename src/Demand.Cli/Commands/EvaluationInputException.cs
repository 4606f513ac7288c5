namespace Demand.Cli.Commands;

/// <summary>Input an evaluation cannot use (layout, cutoff): reported as one sentence, never a stack trace.</summary>
internal sealed class EvaluationInputException(string message) : Exception(message);
