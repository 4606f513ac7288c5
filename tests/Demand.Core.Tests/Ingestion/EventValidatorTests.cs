using Demand.Core.Identifiers;
using System.Text;
using System.Text.Json;
using Demand.Core.Events;
using Demand.Core.Ingestion;

namespace Demand.Core.Tests.Ingestion;

public sealed class EventValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<string, RejectReason?> Cases => new()
    {
        { """{"userId":"u1","type":"purchase","timestamp":"2026-11-20T10:00:00Z","productId":"p","categoryId":"c","price":3,"quantity":1}""", null },
        { """{"userId":"u1","type":"view","timestamp":"2026-11-24T10:00:00Z"}""", RejectReason.TimestampInFuture },
        { """{"userId":"u1","type":"view","timestamp":"2019-11-24T10:00:00Z"}""", RejectReason.TimestampTooOld },
        { """{"userId":"u1","type":"review","timestamp":"2026-11-20T10:00:00Z","productId":"p"}""", RejectReason.MissingText },
        { """{"userId":"u1","type":"cart_add","timestamp":"2026-11-20T10:00:00Z","productId":"p"}""", RejectReason.MissingCategoryId },
        { """{"userId":"u1","type":"return","timestamp":"2026-11-20T10:00:00Z"}""", RejectReason.MissingProductId },
        { """{"userId":"u1","type":"review","timestamp":"2026-11-20T10:00:00Z","productId":"p","text":"ok","rating":0}""", RejectReason.InvalidRating },
        { """{"userId":"u1","type":"purchase","timestamp":"2026-11-20T10:00:00Z","productId":"p","categoryId":"c","price":-2}""", RejectReason.InvalidPrice },
        { """{"userId":"u1","type":"purchase","timestamp":"2026-11-20T10:00:00Z","productId":"p","categoryId":"c","quantity":0}""", RejectReason.InvalidQuantity },
        { "{\"userId\":\"" + new string('u', 129) + "\",\"type\":\"view\",\"timestamp\":\"2026-11-20T10:00:00Z\"}", RejectReason.FieldTooLong },
        { "{\"userId\":\"u1\",\"type\":\"search\",\"timestamp\":\"2026-11-20T10:00:00Z\",\"query\":\"" + new string('q', 513) + "\"}", RejectReason.FieldTooLong },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_real_time_event_gets_the_same_verdict_as_the_same_event_in_a_log(string line, RejectReason? expected)
    {
        var e = JsonSerializer.Deserialize<BehaviourEvent>(line, DemandJson.Options)!;

        var realTime = EventValidator.Validate(e, Now);
        var logged = new LogIngestor(LogMapping.Default, now: Now).Ingest(MerchantId.Parse("m1"), "p1", "t.jsonl", Encoding.UTF8.GetBytes(line + "\n"));

        realTime.ShouldBe(expected);
        logged.Report.RejectsByReason.Keys.ShouldBe(expected is { } reason ? [reason.WireName()] : []);
    }

    [Fact]
    public void An_event_type_outside_the_enum_and_an_empty_user_are_rejected()
    {
        EventValidator.Validate(new BehaviourEvent { UserId = "u1", Type = (EventType)42, Timestamp = Now }, Now).ShouldBe(RejectReason.UnknownType);
        EventValidator.Validate(new BehaviourEvent { UserId = "", Type = EventType.View, Timestamp = Now }, Now).ShouldBe(RejectReason.MissingUserId);
    }

    [Fact]
    public void Reject_reasons_have_snake_case_wire_names()
    {
        RejectReason.TimestampInFuture.WireName().ShouldBe("timestamp_in_future");
        RejectReason.InvalidUtf8.WireName().ShouldBe("invalid_utf8");
    }
}
