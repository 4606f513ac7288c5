using System.Text.Json;
using Demand.Core.Identifiers;
using Demand.Core.Ingestion;
using Demand.Core.Storage;
using Demand.Functions.Ingestion;
using Demand.Functions.Tests.Infrastructure;
using Demand.Testing;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Demand.Functions.Tests.Ingestion;

/// <summary>PUT/GET/DELETE …/mapping: validated, versioned, checked on a sample; every part's report names the version that parsed it.</summary>
public sealed class MappingApiTests(CosmosServerFixture cosmos)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Taobao = """{ "preset": "taobao-userbehavior", "notBefore": "2017-11-24" }""";
    private const string TaobaoSample = "1,100,7,pv,1511544070\n1,100,7,buy,1511561733\n2,100,7,teleport,1511561733\n";

    private static MappingRequest Request(string mapping, string? sample = null) => new(JsonDocument.Parse(mapping).RootElement.Clone(), sample, null, null);

    [Fact]
    public async Task A_dry_run_shows_how_the_sample_parses_and_stores_nothing()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        var store = app.Get<IIngestionStore>();

        var result = await MappingHandlers.PutMapping(MerchantId.Parse("m1"), Request(Taobao, TaobaoSample), dryRun: true, store, TimeProvider.System, Ct);

        var body = result.Result.ShouldBeOfType<Ok<MappingPutResponse>>().Value.ShouldNotBeNull();
        body.Stored.ShouldBeFalse();
        var check = body.Check.ShouldNotBeNull();
        (check.Accepted, check.Rejected).ShouldBe((2, 1));
        check.FirstEvents.Select(e => e.Type).ShouldBe(["view", "purchase"]);
        check.Rejects.ShouldHaveSingleItem().Reason.ShouldBe("unknown_type");
        (await store.GetStoredMappingAsync(MerchantId.Parse("m1"), Ct)).ShouldBeNull();
        (await MappingHandlers.GetMapping(MerchantId.Parse("m1"), store, Ct)).Result.ShouldBeOfType<ProblemHttpResult>().StatusCode.ShouldBe(404);
    }

    [Fact]
    public async Task Each_registration_is_a_new_version_and_the_report_of_a_part_names_the_version_that_parsed_it()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        var store = app.Get<IIngestionStore>();

        var v1 = (await MappingHandlers.PutMapping(MerchantId.Parse("tb"), Request(Taobao, TaobaoSample), null, store, TimeProvider.System, Ct)).Result.ShouldBeOfType<Ok<MappingPutResponse>>().Value!;
        var v2 = (await MappingHandlers.PutMapping(MerchantId.Parse("tb"), Request(Taobao), null, store, TimeProvider.System, Ct)).Result.ShouldBeOfType<Ok<MappingPutResponse>>().Value!;
        var part = await IngestLogTests.IngestAsync(app, "tb", "UserBehavior.csv", System.Text.Encoding.UTF8.GetBytes(TaobaoSample));
        var shown = (await MappingHandlers.GetMapping(MerchantId.Parse("tb"), store, Ct)).Result.ShouldBeOfType<Ok<MappingResponse>>().Value!;

        (v1.Stored, v1.Version, v2.Version).ShouldBe((true, 1, 2));
        part.Report.Accepted.ShouldBe(2);
        part.Report.MappingVersion.ShouldBe(2);
        part.Report.Mapping.ShouldBe(LogMapping.TaobaoName);
        (shown.Version, shown.Valid).ShouldBe((2, true));
        shown.Mapping.GetProperty("header").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task An_invalid_mapping_is_refused_naming_the_problem_and_a_sample_it_cannot_parse_is_refused_with_the_check()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        var store = app.Get<IIngestionStore>();

        var zone = await MappingHandlers.PutMapping(MerchantId.Parse("m1"), Request("""{"timestamp":{"timeZone":"Mars/Olympus"}}"""), null, store, TimeProvider.System, Ct);
        var nothing = await MappingHandlers.PutMapping(MerchantId.Parse("m1"), Request("""{"format":"csv"}""", "a,b,c\n1,2,3\n"), null, store, TimeProvider.System, Ct);

        zone.Result.ShouldBeOfType<ValidationProblem>().ProblemDetails.Errors["mapping"].ShouldHaveSingleItem().ShouldContain("Mars/Olympus");
        var refused = nothing.Result.ShouldBeOfType<UnprocessableEntity<MappingPutResponse>>().Value!;
        refused.Stored.ShouldBeFalse();
        refused.Check!.Status.ShouldBe(IngestionReport.Unreadable);
        (await store.GetStoredMappingAsync(MerchantId.Parse("m1"), Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task Deleting_the_mapping_returns_the_merchant_to_the_default_layout()
    {
        await using var app = await TestApp.StartAsync(cosmos.NewDatabaseOptions(), Ct);
        var store = app.Get<IIngestionStore>();
        await MappingHandlers.PutMapping(MerchantId.Parse("m1"), Request(Taobao), null, store, TimeProvider.System, Ct);

        var first = await MappingHandlers.DeleteMapping(MerchantId.Parse("m1"), store, Ct);
        var second = await MappingHandlers.DeleteMapping(MerchantId.Parse("m1"), store, Ct);
        var part = await IngestLogTests.IngestAsync(app, "m1", "d.jsonl", IngestLogTests.Log(2));

        first.Value!.Existed.ShouldBeTrue();
        second.Value!.Existed.ShouldBeFalse();
        part.Report.MappingVersion.ShouldBeNull();
        part.Report.Mapping.ShouldBe(LogMapping.DefaultName);
    }
}
