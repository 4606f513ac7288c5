using Demand.Testing;
using Microsoft.Azure.Cosmos;

namespace Demand.Infrastructure.Tests.Cosmos;

/// <summary>The per-test databases of <see cref="CosmosServerFixture"/> answer queries, whichever the test draws.</summary>
public sealed class LocalServerDatabaseTests(CosmosServerFixture server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_database_handed_to_a_test_answers_queries_across_more_than_64_in_a_row()
    {
        // 70 in a row cross at least one counter value whose resource id cosmosdb-server cannot route.
        for (var i = 0; i < 70; i++)
        {
            var db = await server.CreateDatabaseAsync();
            using var feed = db.Insights.GetItemQueryIterator<object>(
                new QueryDefinition("SELECT * FROM c WHERE c.merchantId = @m").WithParameter("@m", "m1"),
                requestOptions: new QueryRequestOptions { PartitionKey = new PartitionKey("m1") });
            while (feed.HasMoreResults)
            {
                (await feed.ReadNextAsync(Ct)).Count.ShouldBe(0, $"database {i} ({db.Database.Id})");
            }
        }
    }
}
