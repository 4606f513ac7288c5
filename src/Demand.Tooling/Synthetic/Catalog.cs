namespace Demand.Tooling.Synthetic;

/// <summary>A leaf category of the synthetic market.</summary>
public sealed record CategorySpec(
    string Id,
    string Department,
    string Name,
    double Popularity,
    int CycleDays,
    double MinPrice,
    double MaxPrice,
    IReadOnlyList<string> Complements,
    IReadOnlyList<string> Aspects,
    double Trend = 0);

/// <summary>A life event that brings a bundle of needs (new parent, new pet, taking up running).</summary>
public sealed record LifeEventSpec(string Name, IReadOnlyList<string> Bundle, double DailyProbability);

/// <summary>The category tree, repurchase cycles, complements and life events of the generated market.</summary>
public static class Catalog
{
    public static IReadOnlyList<CategorySpec> Categories { get; } =
    [
        new("baby-diapers", "baby", "diapers", 1.0, 10, 12, 40, ["baby-wipes"], ["size", "leaks", "softness", "price"]),
        new("baby-wipes", "baby", "baby wipes", 0.8, 14, 3, 12, [], ["softness", "scent", "price"]),
        new("baby-formula", "baby", "formula", 0.7, 12, 20, 45, [], ["taste", "price", "packaging"]),
        new("baby-stroller", "baby", "stroller", 0.3, 0, 150, 600, ["baby-monitor"], ["weight", "size", "durability"]),
        new("baby-monitor", "baby", "baby monitor", 0.3, 0, 40, 200, [], ["battery", "range", "noise"]),
        new("coffee-beans", "coffee", "coffee beans", 1.2, 21, 8, 30, ["coffee-filters"], ["taste", "freshness", "price"]),
        new("coffee-filters", "coffee", "coffee filters", 0.6, 30, 3, 9, [], ["size", "durability"]),
        new("coffee-machine", "coffee", "coffee machine", 0.4, 0, 60, 400, ["coffee-beans", "coffee-filters", "coffee-grinder"], ["noise", "size", "durability", "cleaning"], 0.01),
        new("coffee-grinder", "coffee", "coffee grinder", 0.3, 0, 25, 150, ["coffee-beans"], ["noise", "size"]),
        new("pet-cat-food", "pet", "cat food", 1.0, 30, 15, 50, ["pet-cat-litter"], ["taste", "packaging", "price"]),
        new("pet-cat-litter", "pet", "cat litter", 0.8, 21, 8, 25, [], ["smell", "dust", "weight"]),
        new("pet-cat-toys", "pet", "cat toys", 0.4, 0, 4, 25, [], ["durability", "size"]),
        new("elec-phones", "electronics", "phones", 0.9, 0, 200, 1200, ["elec-phone-cases", "elec-chargers", "elec-earbuds"], ["battery", "camera", "size", "price"], 0.005),
        new("elec-phone-cases", "electronics", "phone cases", 0.6, 0, 8, 40, [], ["fit", "durability", "grip"]),
        new("elec-chargers", "electronics", "chargers", 0.6, 0, 10, 50, [], ["speed", "cable length", "heat"]),
        new("elec-earbuds", "electronics", "earbuds", 0.7, 0, 20, 250, [], ["battery", "fit", "noise", "sound"], 0.01),
        new("home-detergent", "home", "detergent", 1.0, 28, 6, 20, [], ["scent", "price", "packaging"]),
        new("home-paper-towels", "home", "paper towels", 0.9, 20, 5, 15, [], ["softness", "durability", "price"]),
        new("home-vacuum", "home", "vacuum", 0.4, 0, 80, 500, ["home-vacuum-bags"], ["noise", "battery", "weight", "suction"]),
        new("home-vacuum-bags", "home", "vacuum bags", 0.3, 45, 6, 18, [], ["fit", "durability"]),
        new("beauty-shampoo", "beauty", "shampoo", 0.9, 35, 4, 25, ["beauty-conditioner"], ["scent", "packaging", "price"]),
        new("beauty-conditioner", "beauty", "conditioner", 0.6, 35, 4, 25, [], ["scent", "packaging"]),
        new("sport-running-shoes", "sports", "running shoes", 0.6, 0, 60, 200, ["sport-socks"], ["fit", "size", "durability", "grip"], 0.015),
        new("sport-socks", "sports", "sports socks", 0.4, 60, 5, 20, [], ["fit", "durability"]),
        new("sport-protein", "sports", "protein powder", 0.6, 25, 20, 60, [], ["taste", "packaging", "price"]),
        new("sport-yoga-mat", "sports", "yoga mat", 0.4, 0, 15, 80, [], ["grip", "size", "smell"]),
    ];

    public static IReadOnlyList<LifeEventSpec> LifeEvents { get; } =
    [
        new("new-parent", ["baby-diapers", "baby-wipes", "baby-formula", "baby-stroller", "baby-monitor"], 0.0015),
        new("new-cat", ["pet-cat-food", "pet-cat-litter", "pet-cat-toys"], 0.0015),
        new("starts-running", ["sport-running-shoes", "sport-socks", "sport-protein", "sport-yoga-mat"], 0.0015),
        new("new-coffee-fan", ["coffee-machine", "coffee-beans", "coffee-filters", "coffee-grinder"], 0.0015),
    ];

    public static CategorySpec Get(string id) => Categories.First(c => c.Id == id);
}
