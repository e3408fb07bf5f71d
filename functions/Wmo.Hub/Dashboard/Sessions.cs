using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;
using Wmo.AzureStorage;

namespace Wmo.Hub.Dashboard;

/// <summary>A signed-in officer: who, and the token their forms must carry (CSRF).</summary>
public sealed record DashboardSession(Caller Caller, string Csrf, DateTimeOffset ExpiresAt);

/// <summary>
/// Dashboard sessions, exchanged for an API key at sign-in (table <c>sessies</c>, keyed by a hash of the cookie's
/// token, so the table holds nothing a reader could replay). Sessions last 8 hours; every instance sees them.
/// </summary>
public sealed class Sessions(StorageClients storage, TimeProvider time)
{
    public const string TableName = "sessies";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);
    private readonly TableClient _table = storage.GetTable(TableName);

    public Task EnsureTableAsync(CancellationToken ct = default) => _table.CreateIfNotExistsAsync(cancellationToken: ct);

    /// <summary>Starts a session; returns the token for the cookie.</summary>
    public async Task<string> StartAsync(Caller caller, CancellationToken ct = default)
    {
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        await _table.UpsertAsync(new TableEntity(Hash(token), "s")
        {
            ["Party"] = caller.Party, ["Role"] = caller.Role.ToString(), ["Csrf"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            ["ExpiresAt"] = time.GetUtcNow() + Lifetime,
        }, TableUpdateMode.Replace, ct);
        return token;
    }

    public async Task<DashboardSession?> FindAsync(string? token, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 100 || await _table.GetAsync(Hash(token), "s", ct) is not { } e)
        {
            return null;
        }

        var expires = e.GetDateTimeOffset("ExpiresAt") ?? default;
        return expires <= time.GetUtcNow() || !Enum.TryParse<Role>(e.GetString("Role"), out var role)
            ? null
            : new DashboardSession(new Caller(e.GetString("Party")!, role), e.GetString("Csrf")!, expires);
    }

    public Task EndAsync(string token, CancellationToken ct = default) => _table.DeleteAsync(Hash(token), "s", ct: ct);

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
