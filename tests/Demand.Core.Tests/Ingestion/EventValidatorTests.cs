using Demand.Core.Events;
using Demand.Core.Ingestion;

namespace Demand.Core.Tests.Ingestion;

public sealed class EventValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_complete_real_time_purchase_is_valid()
    {
        var e = new BehaviourEvent { UserId = "u1", Type = EventType.Purchase, Timestamp = Now, ProductId = "p", CategoryId = "c", Price = 3, Quantity = 1 };

        EventValidator.Validate(e, Now).ShouldBeNull();
    }

    [Fact]
    public void Real_time_events_get_the_same_reasons_as_log_lines()
    {
        EventValidator.Validate(new BehaviourEvent { UserId = "u1", Type = EventType.View, Timestamp = Now.AddDays(2) }, Now).ShouldBe(RejectReasons.FutureTimestamp);
        EventValidator.Validate(new BehaviourEvent { UserId = "u1", Type = EventType.Review, Timestamp = Now, ProductId = "p" }, Now).ShouldBe(RejectReasons.MissingText);
        EventValidator.Validate(new BehaviourEvent { UserId = "u1", Type = (EventType)42, Timestamp = Now }, Now).ShouldBe(RejectReasons.UnknownType);
        EventValidator.Validate(new BehaviourEvent { UserId = "", Type = EventType.View, Timestamp = Now }, Now).ShouldBe(RejectReasons.MissingUserId);
    }
}
