namespace Wmo.Storage;

/// <summary>
/// A storage account parsed from a connection string in the formats Azure uses:
/// <c>UseDevelopmentStorage=true</c>, <c>DefaultEndpointsProtocol=…;AccountName=…;AccountKey=…;EndpointSuffix=…</c>,
/// or explicit <c>BlobEndpoint/QueueEndpoint/TableEndpoint</c> (Azurite on other ports, private endpoints).
/// </summary>
public sealed class StorageAccount
{
    /// <summary>The well-known Azurite / storage emulator account (public, documented by Microsoft).</summary>
    public const string DevelopmentAccountName = "devstoreaccount1";

    private const string DevelopmentAccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private StorageAccount(string name, byte[]? key, Uri blob, Uri queue, Uri table)
    {
        Name = name;
        Key = key;
        BlobEndpoint = blob;
        QueueEndpoint = queue;
        TableEndpoint = table;
    }

    public string Name { get; }

    /// <summary>The shared key, or null when the account is reached with a token credential only.</summary>
    internal byte[]? Key { get; }

    public Uri BlobEndpoint { get; }

    public Uri QueueEndpoint { get; }

    public Uri TableEndpoint { get; }

    public bool HasSharedKey => Key is not null;

    public Uri EndpointFor(StorageService service) => service switch
    {
        StorageService.Blob => BlobEndpoint,
        StorageService.Queue => QueueEndpoint,
        StorageService.Table => TableEndpoint,
        _ => throw new ArgumentOutOfRangeException(nameof(service)),
    };

    /// <summary>An account reached through Entra ID (managed identity): endpoints from the name, no key.</summary>
    public static StorageAccount ForTokenCredential(string accountName, string endpointSuffix = "core.windows.net")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accountName);
        return new StorageAccount(
            accountName,
            key: null,
            new Uri($"https://{accountName}.blob.{endpointSuffix}/"),
            new Uri($"https://{accountName}.queue.{endpointSuffix}/"),
            new Uri($"https://{accountName}.table.{endpointSuffix}/"));
    }

    public static StorageAccount Parse(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new FormatException($"Connection string segment '{Redact(part)}' is not of the form Key=Value.");
            }

            settings[part[..eq].Trim()] = part[(eq + 1)..].Trim();
        }

        if (settings.TryGetValue("UseDevelopmentStorage", out var dev) && bool.TryParse(dev, out var useDev) && useDev)
        {
            var proxy = settings.TryGetValue("DevelopmentStorageProxyUri", out var p) ? new Uri(p) : new Uri("http://127.0.0.1");
            var host = $"{proxy.Scheme}://{proxy.Host}";
            return new StorageAccount(
                DevelopmentAccountName,
                Convert.FromBase64String(DevelopmentAccountKey),
                new Uri($"{host}:10000/{DevelopmentAccountName}/"),
                new Uri($"{host}:10001/{DevelopmentAccountName}/"),
                new Uri($"{host}:10002/{DevelopmentAccountName}/"));
        }

        if (!settings.TryGetValue("AccountName", out var name) || string.IsNullOrWhiteSpace(name))
        {
            throw new FormatException("Connection string has no AccountName (and is not UseDevelopmentStorage=true).");
        }

        byte[]? key = null;
        if (settings.TryGetValue("AccountKey", out var keyText))
        {
            try
            {
                key = Convert.FromBase64String(keyText);
            }
            catch (FormatException)
            {
                throw new FormatException("Connection string AccountKey is not valid base64.");
            }
        }

        var protocol = settings.TryGetValue("DefaultEndpointsProtocol", out var proto) ? proto.ToLowerInvariant() : "https";
        if (protocol is not ("https" or "http"))
        {
            throw new FormatException($"DefaultEndpointsProtocol '{protocol}' is neither https nor http.");
        }

        var suffix = settings.TryGetValue("EndpointSuffix", out var s) ? s : "core.windows.net";
        Uri Endpoint(string service, string explicitKey) =>
            settings.TryGetValue(explicitKey, out var explicitUri)
                ? WithTrailingSlash(new Uri(explicitUri))
                : new Uri($"{protocol}://{name}.{service}.{suffix}/");

        return new StorageAccount(
            name,
            key,
            Endpoint("blob", "BlobEndpoint"),
            Endpoint("queue", "QueueEndpoint"),
            Endpoint("table", "TableEndpoint"));
    }

    /// <summary>A connection string for an Azurite started on custom ports (tests and the benchmark).</summary>
    public static string DevelopmentConnectionString(string host, int blobPort, int queuePort, int tablePort) =>
        $"DefaultEndpointsProtocol=http;AccountName={DevelopmentAccountName};AccountKey={DevelopmentAccountKey};" +
        $"BlobEndpoint=http://{host}:{blobPort}/{DevelopmentAccountName};" +
        $"QueueEndpoint=http://{host}:{queuePort}/{DevelopmentAccountName};" +
        $"TableEndpoint=http://{host}:{tablePort}/{DevelopmentAccountName};";

    private static Uri WithTrailingSlash(Uri uri) =>
        uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");

    private static string Redact(string segment) =>
        segment.StartsWith("AccountKey", StringComparison.OrdinalIgnoreCase) ? "AccountKey=***" : segment;
}

public enum StorageService
{
    Blob,
    Queue,
    Table,
}
