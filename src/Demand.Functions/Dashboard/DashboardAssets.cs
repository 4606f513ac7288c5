using System.Collections.Frozen;
using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace Demand.Functions.Dashboard;

/// <summary>
/// One file the dashboard serves, under a name that changes with its content. The compressed forms are made on first
/// request (SmallestSize costs tens of milliseconds per file, which a worker start on a cold instance should not pay).
/// </summary>
public sealed class DashboardAsset(string name, string hashedName, string contentType, byte[] raw)
{
    private readonly Lazy<byte[]> _gzip = new(() => Compress(raw, s => new GZipStream(s, CompressionLevel.SmallestSize)));
    private readonly Lazy<byte[]> _brotli = new(() => Compress(raw, s => new BrotliStream(s, CompressionLevel.SmallestSize)));

    public string Name { get; } = name;

    public string HashedName { get; } = hashedName;

    public string ContentType { get; } = contentType;

    public byte[] Raw { get; } = raw;

    public byte[] Gzip => _gzip.Value;

    public byte[] Brotli => _brotli.Value;

    private static byte[] Compress(byte[] raw, Func<Stream, Stream> compressor)
    {
        using var output = new MemoryStream();
        using (var stream = compressor(output))
        {
            stream.Write(raw);
        }

        return output.ToArray();
    }
}

/// <summary>
/// The dashboard's static files, embedded in the worker assembly (resources <c>dashboard/…</c>: our HTML, script and
/// styles, and the chart library the build copies from node_modules). Each is served as <c>name.{hash}.ext</c> with a
/// year-long immutable cache, compressed once per instance; the page (which names them) is never cached, so a
/// deploy reaches browsers on their next load.
/// </summary>
public sealed class DashboardAssets
{
    public const string ResourcePrefix = "dashboard/";
    private const string IndexName = "index.html";

    private readonly FrozenDictionary<string, DashboardAsset> _byHashedName;
    private readonly FrozenDictionary<string, string> _hashedNames;
    private readonly string _indexTemplate;
    private readonly Dictionary<string, DashboardAsset> _pages = new(StringComparer.Ordinal);
    private readonly Lock _pagesLock = new();

    public DashboardAssets()
        : this(typeof(DashboardAssets).Assembly)
    {
    }

    internal DashboardAssets(Assembly assembly)
    {
        var assets = new List<DashboardAsset>();
        string? index = null;
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var name = resource[ResourcePrefix.Length..];
            if (name == IndexName)
            {
                index = Encoding.UTF8.GetString(buffer.ToArray());
                continue;
            }

            assets.Add(Build(name, Hashed(name, buffer.ToArray()), buffer.ToArray()));
        }

        _indexTemplate = index ?? throw new InvalidOperationException("The dashboard page is not embedded in the worker (dashboard/index.html).");
        _byHashedName = assets.ToFrozenDictionary(a => a.HashedName, StringComparer.Ordinal);
        _hashedNames = assets.ToFrozenDictionary(a => a.Name, a => a.HashedName, StringComparer.Ordinal);
    }

    public IReadOnlyCollection<DashboardAsset> All => _byHashedName.Values;

    public DashboardAsset? Find(string hashedName) => _byHashedName.GetValueOrDefault(hashedName);

    /// <summary>The page in <paramref name="language"/> (<c>en</c> or <c>zh-CN</c>), naming the assets by their hashed names.</summary>
    public DashboardAsset Page(string language)
    {
        lock (_pagesLock)
        {
            if (_pages.TryGetValue(language, out var page))
            {
                return page;
            }

            var html = _indexTemplate.Replace("{{lang}}", language, StringComparison.Ordinal);
            foreach (var (name, hashed) in _hashedNames)
            {
                html = html.Replace("{{asset:" + name + "}}", DashboardRoutes.BasePath + "/assets/" + hashed, StringComparison.Ordinal);
            }

            return _pages[language] = Build(IndexName, IndexName, Encoding.UTF8.GetBytes(html));
        }
    }

    private static string Hashed(string name, byte[] content)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(content))[..12];
        var dot = name.LastIndexOf('.');
        return dot < 0 ? name + "." + hash : name[..dot] + "." + hash + name[dot..];
    }

    private static DashboardAsset Build(string name, string hashedName, byte[] raw) => new(name, hashedName, ContentTypeOf(name), raw);

    private static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        ".json" => "application/json; charset=utf-8",
        _ => "application/octet-stream",
    };
}
