using Demand.Tooling.Tests;

[assembly: AssemblyFixture(typeof(AzuriteFixture))]

// Every host listens on the same worker app's queues and containers: two hosts at once would share the work and
// each test's outcome assertions would miss the other host's invocations.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
