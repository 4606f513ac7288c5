using Demand.Core.Identifiers;
using Demand.Core.Merchants;
using Demand.Core.Profiles;
using Demand.Core.Storage;
using Demand.Functions.Merchants;
using Demand.Functions.Tests.Infrastructure;
using Demand.Infrastructure.Cosmos;
using Demand.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Demand.Functions.Tests.Api;

/// <summary>The key check behind <see cref="ApiKeyMiddleware"/>: <see cref="MerchantKeyCache"/> over real merchant documents.</summary>
public sealed class KeyCacheTests(CosmosServerFixture cosmos)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<bool> VerifyAsync(MerchantKeyCache cache, string key)
    {
        ApiKeys.TryParse(key, out var merchantId, out var keyId, out var secret).ShouldBeTrue();
        return cache.VerifyAsync(merchantId, keyId, secret, Ct);
    }

    [Fact]
    public async Task A_new_key_works_at_once_and_a_revoked_key_stops_working_when_the_key_cache_expires()
    {
        var time = new MovableTime(DateTimeOffset.UtcNow);
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct, new Dictionary<string, string?> { ["Api:KeyCacheSeconds"] = "30" }, s => s.AddSingleton<TimeProvider>(time));
        var merchants = new CosmosMerchantStore(app.Db, TimeProvider.System);
        await new CosmosProfileStore(app.Db).UpdateAsync(MerchantId.Parse("m1"), UserId.Parse("u1"), p => p.Categories = [new CategoryPropensity { CategoryId = "c1", Propensity = 0.5 }], Ct);
        var cache = app.Get<MerchantKeyCache>();
        var first = await merchants.AddKeyAsync(MerchantId.Parse("m1"), Ct);

        (await VerifyAsync(cache, first)).ShouldBeTrue();
        var second = await merchants.AddKeyAsync(MerchantId.Parse("m1"), Ct);
        (await VerifyAsync(cache, second)).ShouldBeTrue("a key the cached copy does not know is checked against a fresh read");

        (await merchants.RevokeKeyAsync(MerchantId.Parse("m1"), first.Split('.')[2], Ct)).ShouldBeTrue();
        (await VerifyAsync(cache, first)).ShouldBeTrue("within the cache time the instance still holds the old key list");
        time.Now += TimeSpan.FromSeconds(31);
        (await VerifyAsync(cache, first)).ShouldBeFalse();
        (await VerifyAsync(cache, second)).ShouldBeTrue();
    }

    [Fact]
    public async Task Without_a_cache_a_revoked_key_stops_working_at_once()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct, new Dictionary<string, string?> { ["Api:KeyCacheSeconds"] = "0" });
        var merchants = new CosmosMerchantStore(app.Db, TimeProvider.System);
        var cache = app.Get<MerchantKeyCache>();
        var key = await merchants.AddKeyAsync(MerchantId.Parse("m1"), Ct);
        (await VerifyAsync(cache, key)).ShouldBeTrue();

        await merchants.RevokeKeyAsync(MerchantId.Parse("m1"), key.Split('.')[2], Ct);

        (await VerifyAsync(cache, key)).ShouldBeFalse();
    }

    [Fact]
    public async Task A_forged_secret_an_unknown_key_id_and_an_unknown_merchant_are_refused()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        var key = await new CosmosMerchantStore(app.Db, TimeProvider.System).AddKeyAsync(MerchantId.Parse("m1"), Ct);
        var cache = app.Get<MerchantKeyCache>();
        ApiKeys.TryParse(key, out var merchantId, out var keyId, out var secret).ShouldBeTrue();

        (await cache.VerifyAsync(merchantId, keyId, secret, Ct)).ShouldBeTrue();
        (await cache.VerifyAsync(merchantId, keyId, secret[..^4] + "AAAA", Ct)).ShouldBeFalse();
        (await cache.VerifyAsync(merchantId, "nokey", secret, Ct)).ShouldBeFalse();
        (await cache.VerifyAsync(MerchantId.Parse("m2"), keyId, secret, Ct)).ShouldBeFalse();
    }

    [Fact]
    public async Task Forged_secrets_cost_no_read_and_invented_key_ids_or_merchants_cost_at_most_the_fresh_read_budget()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        var store = new CountingMerchantStore(new CosmosMerchantStore(app.Db, TimeProvider.System));
        var key = await store.AddKeyAsync(MerchantId.Parse("m1"), Ct);
        using var cache = new MerchantKeyCache(store, Microsoft.Extensions.Options.Options.Create(new ApiOptions { FreshKeyReadsPerSecond = 5 }), TimeProvider.System);
        ApiKeys.TryParse(key, out var merchantId, out var keyId, out var secret).ShouldBeTrue();
        (await cache.VerifyAsync(merchantId, keyId, secret, Ct)).ShouldBeTrue();
        var readsAfterSignIn = store.Reads;

        for (var i = 0; i < 200; i++)
        {
            (await cache.VerifyAsync(merchantId, keyId, "forged" + i, Ct)).ShouldBeFalse();
        }

        store.Reads.ShouldBe(readsAfterSignIn, "the cached copy knows the key id: a wrong secret needs no read");

        var started = DateTimeOffset.UtcNow;
        for (var i = 0; i < 200; i++)
        {
            (await cache.VerifyAsync(merchantId, "invented" + i, secret, Ct)).ShouldBeFalse();
            (await cache.VerifyAsync(MerchantId.Parse("nobody-" + i), "k", secret, Ct)).ShouldBeFalse();
        }

        var seconds = Math.Ceiling((DateTimeOffset.UtcNow - started).TotalSeconds);
        (store.Reads - readsAfterSignIn).ShouldBeLessThanOrEqualTo((int)(5 * (seconds + 1)), "400 invented ids, at most 5 reads a second");
        (await cache.VerifyAsync(merchantId, keyId, secret, Ct)).ShouldBeTrue("the real key still works from the cache");
    }

    private sealed class CountingMerchantStore(IMerchantStore inner) : IMerchantStore
    {
        private int _reads;

        public int Reads => _reads;

        public Task<MerchantDocument?> GetAsync(MerchantId merchantId, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _reads);
            return inner.GetAsync(merchantId, cancellationToken);
        }

        public Task<string> AddKeyAsync(MerchantId merchantId, CancellationToken cancellationToken) => inner.AddKeyAsync(merchantId, cancellationToken);

        public Task<string> AddKeyAsync(MerchantId merchantId, KeyScope scope, CancellationToken cancellationToken) => inner.AddKeyAsync(merchantId, scope, cancellationToken);

        public Task<bool> RevokeKeyAsync(MerchantId merchantId, string keyId, CancellationToken cancellationToken) => inner.RevokeKeyAsync(merchantId, keyId, cancellationToken);
    }

    private sealed class MovableTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
