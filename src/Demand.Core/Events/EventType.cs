namespace Demand.Core.Events;

/// <summary>The behaviour event types of the log contract (architecture.md, "Log format").</summary>
public enum EventType : byte
{
    View = 0,
    Search = 1,
    CartAdd = 2,
    CartRemove = 3,
    Wishlist = 4,
    Purchase = 5,
    Review = 6,
    Return = 7,
}

/// <summary>Wire names of <see cref="EventType"/> as they appear in logs.</summary>
public static class EventTypes
{
    public const int Count = 8;

    private static readonly string[] Names = ["view", "search", "cart_add", "cart_remove", "wishlist", "purchase", "review", "return"];

    public static string ToWireName(this EventType type) => Names[(int)type];

    public static bool TryParse(ReadOnlySpan<char> name, out EventType type)
    {
        for (var i = 0; i < Names.Length; i++)
        {
            if (name.Equals(Names[i], StringComparison.OrdinalIgnoreCase))
            {
                type = (EventType)i;
                return true;
            }
        }

        type = default;
        return false;
    }

    public static IReadOnlyList<string> WireNames => Names;
}
