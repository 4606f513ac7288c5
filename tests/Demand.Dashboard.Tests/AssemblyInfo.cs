using Demand.Dashboard.Tests;

[assembly: AssemblyFixture(typeof(DashboardApp))]
