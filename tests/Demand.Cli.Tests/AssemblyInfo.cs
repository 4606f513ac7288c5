using Demand.Testing;

[assembly: AssemblyFixture(typeof(CosmosServerFixture))]
