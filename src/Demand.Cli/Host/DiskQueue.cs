using System.Text.Json;

namespace Demand.Cli.Host;

/// <summary>A queue message as stored on disk.</summary>
public sealed record StoredMessage
{
    public required string Id { get; init; }
    public required string Content { get; init; }
    public required DateTimeOffset InsertionTime { get; init; }
    public DateTimeOffset NextVisibleTime { get; init; }
    public long DequeueCount { get; init; }
    public string? LeaseOwner { get; init; }
    public string PopReceipt { get; init; } = "";
}

/// <summary>
/// A durable queue in a folder: one file per message, replaced atomically (write + rename), so a message
/// survives a crash or restart of the stand-in. Leases taken by an earlier stand-in instance are treated
/// as expired at start. One stand-in process owns a storage folder at a time.
/// </summary>
public sealed class DiskQueue
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly string _folder;
    private readonly string _owner;
    private readonly Lock _gate = new();

    public DiskQueue(string storageRoot, string name, string owner)
    {
        Name = name;
        _owner = owner;
        _folder = Path.Combine(storageRoot, "queues", name);
        Directory.CreateDirectory(_folder);
    }

    public string Name { get; }

    public void Enqueue(string content, TimeSpan? visibilityDelay = null)
    {
        var now = DateTimeOffset.UtcNow;
        var message = new StoredMessage
        {
            Id = Guid.NewGuid().ToString(),
            Content = content,
            InsertionTime = now,
            NextVisibleTime = now + (visibilityDelay ?? TimeSpan.Zero),
        };
        Write(FileName(message), message);
    }

    /// <summary>Moves a message into this queue keeping its id, insertion time and dequeue count (poison).</summary>
    public void Put(StoredMessage message) => Write(FileName(message), message with { LeaseOwner = null, NextVisibleTime = DateTimeOffset.UtcNow });

    /// <summary>Leases up to <paramref name="max"/> visible messages (dequeue count + 1).</summary>
    public IReadOnlyList<StoredMessage> Lease(int max, TimeSpan leaseTime)
    {
        var leased = new List<StoredMessage>();
        lock (_gate)
        {
            var now = DateTimeOffset.UtcNow;
            foreach (var file in Directory.EnumerateFiles(_folder, "*.msg").Order(StringComparer.Ordinal))
            {
                if (leased.Count >= max)
                {
                    break;
                }

                var message = TryRead(file);
                if (message is null)
                {
                    continue;
                }

                var expiredForeignLease = message.LeaseOwner is not null && message.LeaseOwner != _owner;
                if (message.NextVisibleTime > now && !expiredForeignLease)
                {
                    continue;
                }

                var lease = message with
                {
                    DequeueCount = message.DequeueCount + 1,
                    NextVisibleTime = now + leaseTime,
                    LeaseOwner = _owner,
                    PopReceipt = Guid.NewGuid().ToString("N"),
                };
                Write(file, lease);
                leased.Add(lease);
            }
        }

        return leased;
    }

    public void Complete(StoredMessage message)
    {
        lock (_gate)
        {
            File.Delete(FileName(message));
        }
    }

    /// <summary>Makes a failed message visible again after <paramref name="delay"/>.</summary>
    public void Release(StoredMessage message, TimeSpan delay)
    {
        lock (_gate)
        {
            Write(FileName(message), message with { NextVisibleTime = DateTimeOffset.UtcNow + delay, LeaseOwner = null });
        }
    }

    public int Count => Directory.EnumerateFiles(_folder, "*.msg").Count();

    public IReadOnlyList<StoredMessage> Peek() =>
        Directory.EnumerateFiles(_folder, "*.msg").Order(StringComparer.Ordinal).Select(TryRead).OfType<StoredMessage>().ToList();

    private string FileName(StoredMessage message) =>
        Path.Combine(_folder, $"{message.InsertionTime.UtcTicks:D20}-{message.Id}.msg");

    private static StoredMessage? TryRead(string file)
    {
        try
        {
            return JsonSerializer.Deserialize<StoredMessage>(File.ReadAllBytes(file), Json);
        }
        catch (Exception ex) when (ex is IOException or JsonException)
        {
            return null;
        }
    }

    private static void Write(string file, StoredMessage message)
    {
        var temp = file + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(message, Json));
        File.Move(temp, file, overwrite: true);
    }
}
