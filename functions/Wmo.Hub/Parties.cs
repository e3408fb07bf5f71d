using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Wmo.AzureStorage;
using Wmo.Messages;

namespace Wmo.Hub;

/// <summary>What a caller is allowed to be: a sending party, or a person working for one.</summary>
public enum Role
{
    Gemeente,
    Aanbieder,
    Cak,
    CakLiaison,
    GemeenteOfficer,
    SupplierOfficer,
    Admin,
}

/// <summary>An authenticated caller: the party it acts for (CBS gemeentecode, AGB code or "CAK") and its role.</summary>
public sealed record Caller(string Party, Role Role)
{
    /// <summary>The kind of party that may send messages with this role, if it may send at all.</summary>
    public PartyKind? SendsAs => Role switch
    {
        Role.Gemeente => PartyKind.Gemeente,
        Role.Aanbieder => PartyKind.Aanbieder,
        Role.Cak => PartyKind.Cak,
        _ => null,
    };
}

/// <summary>
/// API keys, stored only as SHA-256 hashes (keys are 256-bit random values, so a fast hash is enough) in table
/// <c>apikeys</c>, each mapped to a caller. Rotation = issue a new key, then revoke the old one; both work meanwhile.
/// A valid key is remembered for <see cref="CacheTime"/> (30 s), so a busy sender does not cost a table read per
/// message; a revocation therefore takes effect on other instances within that time (at once on this one).
/// </summary>
public sealed class ApiKeys
{
    public const string TableName = "apikeys";
    private const string Partition = "key";
    public static readonly TimeSpan CacheTime = TimeSpan.FromSeconds(30);
    private readonly TableClient _table;
    private readonly TimeProvider _time;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (Caller Caller, DateTimeOffset Until)> _valid = new(StringComparer.Ordinal);

    public ApiKeys(StorageClients storage, TimeProvider time)
    {
        _table = storage.GetTable(TableName);
        _time = time;
    }

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public Task EnsureTableAsync(CancellationToken ct = default) => _table.CreateIfNotExistsAsync(cancellationToken: ct);

    /// <summary>The caller a key belongs to, or null for an unknown or revoked key.</summary>
    public async Task<Caller?> AuthenticateAsync(string? key, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(key) || key.Length > 200)
        {
            return null;
        }

        var hash = Hash(key);
        var now = _time.GetUtcNow();
        if (_valid.TryGetValue(hash, out var cached) && cached.Until > now)
        {
            return cached.Caller;
        }

        var entity = await _table.GetAsync(Partition, hash, ct);
        if (entity is null || entity.GetDateTimeOffset("RevokedOn") is not null
            || !Enum.TryParse<Role>(entity.GetString("Role"), out var role) || entity.GetString("Party") is not { } party)
        {
            _valid.TryRemove(hash, out _);
            return null;
        }

        var caller = new Caller(party, role);
        if (_valid.Count > 10_000)
        {
            _valid.Clear(); // only valid keys are kept, so this bound is never reached in practice
        }

        _valid[hash] = (caller, now + CacheTime);
        return caller;
    }

    /// <summary>Creates a new random key for the caller; the plain key is returned once and never stored.</summary>
    public async Task<string> IssueAsync(Caller caller, CancellationToken ct = default)
    {
        var key = "wmo_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        await RegisterAsync(caller, key, ct);
        return key;
    }

    /// <summary>Registers a given key (demo keys from configuration); registering it again changes nothing.</summary>
    public async Task RegisterAsync(Caller caller, string key, CancellationToken ct = default)
    {
        var entity = new TableEntity(Partition, Hash(key))
        {
            ["Party"] = caller.Party,
            ["Role"] = caller.Role.ToString(),
            ["CreatedOn"] = _time.GetUtcNow(),
        };
        var inserted = await _table.InsertIfAbsentAsync(entity, ct);
        if (!inserted.Inserted)
        {
            var existing = await _table.GetAsync(Partition, entity.RowKey, ct);
            if (existing?.GetString("Party") != caller.Party || existing.GetString("Role") != caller.Role.ToString())
            {
                throw new InvalidOperationException("That key is already registered for another party or role.");
            }
        }
    }

    /// <summary>Revokes a key by its hash (what operators see); false when no such key exists.</summary>
    public async Task<bool> RevokeAsync(string hash, CancellationToken ct = default)
    {
        var existing = await _table.GetAsync(Partition, hash, ct);
        if (existing is null)
        {
            return false;
        }

        existing["RevokedOn"] = _time.GetUtcNow();
        await _table.UpdateAsync(existing, existing.ETag!, TableUpdateMode.Merge, ct);
        _valid.TryRemove(hash, out _);
        return true;
    }

    /// <summary>
    /// Parses demo/bootstrap keys from configuration: <c>party:Role:key</c> entries separated by semicolons.
    /// </summary>
    public static IEnumerable<(Caller Caller, string Key)> ParseSeed(string? setting)
    {
        foreach (var entry in (setting ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = entry.Split(':', 3);
            if (parts.Length != 3 || !Enum.TryParse<Role>(parts[1], ignoreCase: true, out var role) || parts[2].Length < 16)
            {
                throw new FormatException($"API key seed entry '{parts[0]}:…' is not 'party:Role:key' with a key of at least 16 characters.");
            }

            yield return (new Caller(parts[0], role), parts[2]);
        }
    }
}
