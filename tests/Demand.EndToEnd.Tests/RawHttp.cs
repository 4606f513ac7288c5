using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Demand.EndToEnd.Tests;

/// <summary>
/// HTTP/1.1 written byte by byte, for what HttpClient refuses to send or silently repairs: raw backslashes and control
/// characters in the request target, and chunked bodies of any size.
/// </summary>
internal static class RawHttp
{
    public static async Task<Probe> SendAsync(Uri baseAddress, string what, string method, string target, IReadOnlyDictionary<string, string> headers, byte[]? body, bool chunked, CancellationToken cancellationToken)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(baseAddress.Host, baseAddress.Port, cancellationToken);
        var stream = tcp.GetStream();
        var head = new StringBuilder().Append(method).Append(' ').Append(target).Append(" HTTP/1.1\r\nHost: ").Append(baseAddress.Authority).Append("\r\nConnection: close\r\n");
        foreach (var (name, value) in headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        if (body is not null)
        {
            head.Append(chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + body.Length.ToString(CultureInfo.InvariantCulture) + "\r\n");
        }

        head.Append("\r\n");
        try
        {
            await stream.WriteAsync(Encoding.Latin1.GetBytes(head.ToString()), cancellationToken);
            if (body is not null && chunked)
            {
                for (var offset = 0; offset < body.Length; offset += 64 * 1024)
                {
                    var length = Math.Min(64 * 1024, body.Length - offset);
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(length.ToString("x", CultureInfo.InvariantCulture) + "\r\n"), cancellationToken);
                    await stream.WriteAsync(body.AsMemory(offset, length), cancellationToken);
                    await stream.WriteAsync("\r\n"u8.ToArray(), cancellationToken);
                }

                await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), cancellationToken);
            }
            else if (body is not null)
            {
                await stream.WriteAsync(body, cancellationToken);
            }
        }
        catch (IOException)
        {
            // The server answered and closed before the whole body was sent (413 on a body it would not read): read that answer.
        }

        using var response = new MemoryStream();
        try
        {
            await stream.CopyToAsync(response, cancellationToken);
        }
        catch (IOException)
        {
            // A reset after the answer was written.
        }

        return Parse(what, method + " " + target, response.ToArray());
    }

    private static Probe Parse(string what, string request, byte[] raw)
    {
        var end = raw.AsSpan().IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            // No answer at all (the server closed the connection): status 0, which the checks treat as a failure.
            return new Probe(what, request, 0, null, Encoding.UTF8.GetString(raw));
        }

        var lines = Encoding.Latin1.GetString(raw, 0, end).Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
            .GroupBy(p => p[0].Trim(), StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First()[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var body = raw.AsSpan(end + 4);
        if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            var decoded = new MemoryStream();
            while (body.IndexOf("\r\n"u8) is var at and > 0
                && int.TryParse(Encoding.ASCII.GetString(body[..at]).Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var size) && size > 0)
            {
                var chunk = body.Slice(at + 2, Math.Min(size, body.Length - at - 2));
                decoded.Write(chunk);
                body = body[Math.Min(body.Length, at + 2 + size + 2)..];
            }

            return new Probe(what, request, status, headers.GetValueOrDefault("Content-Type"), Encoding.UTF8.GetString(decoded.ToArray()));
        }

        return new Probe(what, request, status, headers.GetValueOrDefault("Content-Type"), Encoding.UTF8.GetString(body));
    }
}

/// <summary>One request of a hostile suite and what came back.</summary>
internal sealed record Probe(string What, string Request, int Status, string? ContentType, string Body);
