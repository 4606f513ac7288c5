using Demand.Tooling.Tests;

[assembly: AssemblyFixture(typeof(AzuriteFixture))]
