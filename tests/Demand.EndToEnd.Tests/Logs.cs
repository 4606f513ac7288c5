using System.Security.Cryptography;
using System.Text;

namespace Demand.EndToEnd.Tests;

/// <summary>Log parts written the way a merchant's export would be.</summary>
internal static class Logs
{
    /// <summary>A day of events for <paramref name="users"/> shoppers (view, cart, purchase, a complaint review each) plus two bad rows.</summary>
    public static byte[] Day(int users, DateOnly day)
    {
        var d = day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        for (var u = 0; u < users; u++)
        {
            sb.Append($$"""{"eventId":"v{{u}}","userId":"u{{u}}","type":"view","timestamp":"{{d}}T08:00:00Z","productId":"p{{u % 5}}","categoryId":"c{{u % 3}}"}""").Append('\n');
            sb.Append($$"""{"eventId":"c{{u}}","userId":"u{{u}}","type":"cart_add","timestamp":"{{d}}T08:05:00Z","productId":"p{{u % 5}}","categoryId":"c{{u % 3}}"}""").Append('\n');
            sb.Append($$"""{"eventId":"b{{u}}","userId":"u{{u}}","type":"purchase","timestamp":"{{d}}T08:10:00Z","productId":"p{{u % 5}}","categoryId":"c{{u % 3}}","price":9.5}""").Append('\n');
            sb.Append($$"""{"eventId":"r{{u}}","userId":"u{{u}}","type":"review","timestamp":"{{d}}T09:00:00Z","productId":"p{{u % 5}}","categoryId":"c{{u % 3}}","rating":2,"text":"Battery dies by noon, wish it lasted longer"}""").Append('\n');
        }

        sb.Append($$"""{"eventId":"bad1","userId":"u0","type":"teleport","timestamp":"{{d}}T08:00:00Z"}""").Append('\n');
        sb.Append("not json\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>The documented identity of a part (docs/log-format.md): merchant, blob name and content hash.</summary>
    public static string PartId(string merchantId, string name, byte[] content)
    {
        var identity = Encoding.UTF8.GetBytes(merchantId + "\n" + name + "\n" + Convert.ToHexStringLower(SHA256.HashData(content)));
        return Convert.ToHexStringLower(SHA256.HashData(identity).AsSpan(0, 12));
    }

    public static DateOnly Yesterday => DateOnly.FromDateTime(DateTime.UtcNow.AddDays(-1));
}
