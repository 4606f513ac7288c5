using Demand.EndToEnd.Tests;

[assembly: AssemblyFixture(typeof(DemandAppFixture))]
