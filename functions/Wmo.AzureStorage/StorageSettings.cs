using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Configuration;

namespace Wmo.AzureStorage;

/// <summary>How the app reaches its storage account: a connection string, or endpoints and an Entra ID credential.</summary>
public enum StorageCredentialKind
{
    /// <summary>A connection string (account key, SAS, or <c>UseDevelopmentStorage=true</c>).</summary>
    ConnectionString,

    /// <summary>The app's managed identity (<c>__credential</c> = <c>managedidentity</c>; <c>__clientId</c> picks a user-assigned one).</summary>
    ManagedIdentity,

    /// <summary>No credential named: the Azure SDK's default chain (environment, workload identity, managed identity, developer sign-in).</summary>
    Default,
}

/// <summary>
/// The storage connection read exactly as Azure Functions reads <c>AzureWebJobsStorage</c>: either the setting itself
/// as a connection string, or identity-based settings under it — <c>__accountName</c>, or
/// <c>__blobServiceUri</c> / <c>__queueServiceUri</c> / <c>__tableServiceUri</c> — with <c>__credential</c> and
/// <c>__clientId</c>. One parser, so the local runtime, the Functions app, the CLI and the benchmarks agree.
/// </summary>
public sealed record StorageSettings
{
    /// <summary>The setting Azure Functions uses for its own storage and as the default trigger connection.</summary>
    public const string DefaultSetting = "AzureWebJobsStorage";

    public StorageCredentialKind Credential { get; init; }

    public string? ConnectionString { get; init; }

    public Uri? BlobServiceUri { get; init; }

    public Uri? QueueServiceUri { get; init; }

    public Uri? TableServiceUri { get; init; }

    /// <summary>The client id of a user-assigned managed identity (null: the system-assigned one).</summary>
    public string? ClientId { get; init; }

    public static StorageSettings FromConnectionString(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return new StorageSettings { Credential = StorageCredentialKind.ConnectionString, ConnectionString = connectionString.Trim() };
    }

    /// <summary>Reads <paramref name="name"/> (default <c>AzureWebJobsStorage</c>) from configuration; throws a setting-naming error when absent or incomplete.</summary>
    public static StorageSettings FromConfiguration(IConfiguration configuration, string name = DefaultSetting)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(name);
        if (!string.IsNullOrWhiteSpace(section.Value))
        {
            return FromConnectionString(section.Value);
        }

        var credential = section["credential"] switch
        {
            null or "" => StorageCredentialKind.Default,
            var c when c.Equals("managedidentity", StringComparison.OrdinalIgnoreCase) => StorageCredentialKind.ManagedIdentity,
            var c => throw new InvalidOperationException(
                $"{name}__credential is '{c}'; the only value Azure Functions knows is 'managedidentity' (or leave it empty for the default chain)."),
        };
        var clientId = NullIfEmpty(section["clientId"]);
        if (NullIfEmpty(section["accountName"]) is { } account)
        {
            if (!IsAccountName(account))
            {
                throw new InvalidOperationException($"{name}__accountName '{account}' is not a storage account name (3-24 lower-case letters and digits).");
            }

            return new StorageSettings
            {
                Credential = credential,
                ClientId = clientId,
                BlobServiceUri = new Uri($"https://{account}.blob.core.windows.net/"),
                QueueServiceUri = new Uri($"https://{account}.queue.core.windows.net/"),
                TableServiceUri = new Uri($"https://{account}.table.core.windows.net/"),
            };
        }

        var blob = ServiceUri(section, name, "blobServiceUri");
        var queue = ServiceUri(section, name, "queueServiceUri");
        var table = ServiceUri(section, name, "tableServiceUri");
        if (blob is null && queue is null && table is null)
        {
            throw new InvalidOperationException(
                $"Storage is not configured: set {name} to a connection string (UseDevelopmentStorage=true locally), or " +
                $"{name}__accountName, or {name}__blobServiceUri, __queueServiceUri and __tableServiceUri for an identity-based connection.");
        }

        // The app uses all three services (archive, queues, ledger), so a partial set is a configuration error now,
        // not a 404 on the first table write in production.
        var missing = new[] { ("blobServiceUri", blob), ("queueServiceUri", queue), ("tableServiceUri", table) }
            .Where(s => s.Item2 is null).Select(s => $"{name}__{s.Item1}").ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"Identity-based storage needs all three service URIs; missing: {string.Join(", ", missing)}.");
        }

        return new StorageSettings { Credential = credential, ClientId = clientId, BlobServiceUri = blob, QueueServiceUri = queue, TableServiceUri = table };
    }

    /// <summary>The Entra ID credential for identity-based settings (null for a connection string).</summary>
    public TokenCredential? CreateTokenCredential() => Credential switch
    {
        StorageCredentialKind.ConnectionString => null,
        StorageCredentialKind.ManagedIdentity => ClientId is null
            ? new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned)
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(ClientId)),
        _ => new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = ClientId }),
    };

    /// <summary>A description without secrets, for logs and the health page.</summary>
    public override string ToString() => Credential == StorageCredentialKind.ConnectionString
        ? "connection string" + (ConnectionString!.Contains("AccountKey", StringComparison.OrdinalIgnoreCase) ? " (account key)" : string.Empty)
        : $"{BlobServiceUri?.Host ?? "?"} with {(Credential == StorageCredentialKind.ManagedIdentity ? "managed identity" : "default credential")}"
          + (ClientId is null ? string.Empty : $" (client id {ClientId})");

    private static Uri? ServiceUri(IConfigurationSection section, string name, string key)
    {
        if (NullIfEmpty(section[key]) is not { } text)
        {
            return null;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            throw new InvalidOperationException($"{name}__{key} '{text}' is not an absolute http(s) URI.");
        }

        return uri;
    }

    private static bool IsAccountName(string name) =>
        name.Length is >= 3 and <= 24 && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c));

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
