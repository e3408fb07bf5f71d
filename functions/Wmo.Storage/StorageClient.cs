using System.Net;
using System.Text.Json;
using System.Xml.Linq;

namespace Wmo.Storage;

/// <summary>
/// Entry point to one storage account: hands out queue, table and blob-container clients that share one
/// HTTP pipeline (connection pool → signing → transient-retry). Thread-safe; create one per process.
/// </summary>
public sealed class StorageClient : IDisposable
{
    private readonly HttpClient _http;

    public StorageClient(StorageAccount account, StorageClientOptions? options = null)
    {
        Account = account;
        Options = options ?? new StorageClientOptions();
        var credential = Options.Credential
            ?? (account.Key is { } key
                ? new SharedKeyCredential(account.Name, key)
                : throw new InvalidOperationException(
                    $"Storage account '{account.Name}' has no AccountKey; configure a token credential."));
        HttpMessageHandler primary = Options.PrimaryHandler?.Invoke() ?? new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = 256,
            AutomaticDecompression = DecompressionMethods.None,
        };
        var auth = new StorageAuthHandler(credential, Options.TimeProvider) { InnerHandler = primary };
        var retry = new StorageRetryHandler(Options) { InnerHandler = auth };
        // Attempts are bounded by the pipeline's per-attempt timeout; the caller's token bounds the whole call.
        _http = new HttpClient(retry) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public static StorageClient FromConnectionString(string connectionString, StorageClientOptions? options = null) =>
        new(StorageAccount.Parse(connectionString), options);

    public StorageAccount Account { get; }

    public StorageClientOptions Options { get; }

    public QueueClient GetQueue(string name) => new(this, StorageNames.Queue(name));

    public TableClient GetTable(string name) => new(this, StorageNames.Table(name));

    public BlobContainerClient GetBlobContainer(string name) => new(this, StorageNames.Container(name));

    public void Dispose() => _http.Dispose();

    internal Uri Uri(StorageService service, string relative) => new(Account.EndpointFor(service), relative);

    /// <summary>Sends one request; the response is returned for any status, the caller decides what is an error.</summary>
    internal async Task<HttpResponseMessage> SendAsync(StorageService service, HttpRequestMessage request, CancellationToken ct)
    {
        request.Options.Set(StorageRequestOptions.Service, service);
        return await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
    }

    /// <summary>Throws a typed exception with the service's error code unless the response is a success.</summary>
    internal static async Task EnsureSuccessAsync(HttpResponseMessage response, string description, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorAsync(response, description, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Turns a non-success response into a typed exception with the service's error code.</summary>
    internal static async Task<StorageRequestException> ErrorAsync(HttpResponseMessage response, string description, CancellationToken ct)
    {
        var (code, message) = await ReadErrorAsync(response, ct).ConfigureAwait(false);
        return new StorageRequestException(response.StatusCode, code, message, description);
    }

    internal static async Task<(string Code, string Message)> ReadErrorAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var body = response.Content is null ? string.Empty : await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        return ParseError(response.Headers.TryGetValues("x-ms-error-code", out var h) ? h.FirstOrDefault() : null, body, response.StatusCode);
    }

    internal static (string Code, string Message) ParseError(string? headerCode, string body, HttpStatusCode status)
    {
        string? code = headerCode;
        string? message = null;
        var trimmed = body.TrimStart();
        try
        {
            if (trimmed.StartsWith('<'))
            {
                var root = XDocument.Parse(trimmed).Root;
                code ??= root?.Element("Code")?.Value;
                message = root?.Element("Message")?.Value;
            }
            else if (trimmed.StartsWith('{'))
            {
                using var doc = JsonDocument.Parse(trimmed);
                if (doc.RootElement.TryGetProperty("odata.error", out var err))
                {
                    code ??= err.TryGetProperty("code", out var c) ? c.GetString() : null;
                    message = err.TryGetProperty("message", out var m)
                        ? (m.ValueKind == JsonValueKind.Object && m.TryGetProperty("value", out var v) ? v.GetString() : m.ToString())
                        : null;
                }
            }
        }
        catch (Exception ex) when (ex is System.Xml.XmlException or JsonException)
        {
            // A non-standard error body (proxy page, truncated response): keep the status as the message.
        }

        return (code ?? status.ToString(), (message ?? (trimmed.Length > 300 ? trimmed[..300] : trimmed)).Trim());
    }
}

/// <summary>Name rules of the service, checked before any request so a bad name is a clear local error.</summary>
public static class StorageNames
{
    public static string Queue(string name) => LowerCaseName(name, "queue");

    public static string Container(string name) => LowerCaseName(name, "blob container");

    private static string LowerCaseName(string name, string kind)
    {
        // 3-63 chars, lower-case letters, digits and single hyphens, starting and ending alphanumeric.
        if (name.Length is < 3 or > 63 || !name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            || name.StartsWith('-') || name.EndsWith('-') || name.Contains("--", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{name}' is not a valid {kind} name (3-63 lower-case letters, digits, single hyphens).", nameof(name));
        }

        return name;
    }

    public static string Table(string name)
    {
        if (name.Length is < 3 or > 63 || !char.IsAsciiLetter(name[0]) || !name.All(char.IsAsciiLetterOrDigit))
        {
            throw new ArgumentException($"'{name}' is not a valid table name (3-63 letters and digits, starting with a letter).", nameof(name));
        }

        return name;
    }
}
