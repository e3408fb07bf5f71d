using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Wmo.Storage;

/// <summary>Authorizes one attempt of a storage request. Called again on every retry, so dates and tokens stay fresh.</summary>
public interface IStorageCredential
{
    ValueTask AuthorizeAsync(HttpRequestMessage request, StorageService service, CancellationToken cancellationToken);
}

/// <summary>SharedKey authorization (account key from a connection string; what Azurite checks).</summary>
public sealed class SharedKeyCredential : IStorageCredential
{
    private readonly string _accountName;
    private readonly byte[] _key;

    public SharedKeyCredential(string accountName, byte[] key)
    {
        _accountName = accountName;
        _key = key;
    }

    public ValueTask AuthorizeAsync(HttpRequestMessage request, StorageService service, CancellationToken cancellationToken)
    {
        var stringToSign = service == StorageService.Table
            ? TableStringToSign(request)
            : BlobQueueStringToSign(request);
        using var hmac = new HMACSHA256(_key);
        var signature = Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(stringToSign)));
        request.Headers.Authorization = new AuthenticationHeaderValue("SharedKey", $"{_accountName}:{signature}");
        return ValueTask.CompletedTask;
    }

    // https://learn.microsoft.com/rest/api/storageservices/authorize-with-shared-key (Blob and Queue, version 2009-09-19+)
    internal string BlobQueueStringToSign(HttpRequestMessage request)
    {
        var content = request.Content;
        var length = content?.Headers.ContentLength;
        var sb = new StringBuilder();
        sb.Append(request.Method.Method).Append('\n');
        sb.Append(Join(content?.Headers.ContentEncoding)).Append('\n');
        sb.Append(Join(content?.Headers.ContentLanguage)).Append('\n');
        sb.Append(length is null or 0 ? string.Empty : length.Value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append(content?.Headers.ContentMD5 is { } md5 ? Convert.ToBase64String(md5) : string.Empty).Append('\n');
        sb.Append(content?.Headers.ContentType?.ToString() ?? string.Empty).Append('\n');
        sb.Append('\n'); // Date: empty because x-ms-date is always sent
        sb.Append(Header(request, "If-Modified-Since")).Append('\n');
        sb.Append(Header(request, "If-Match")).Append('\n');
        sb.Append(Header(request, "If-None-Match")).Append('\n');
        sb.Append(Header(request, "If-Unmodified-Since")).Append('\n');
        sb.Append(Header(request, "Range")).Append('\n');
        foreach (var (name, value) in request.Headers
                     .Where(h => h.Key.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
                     .Select(h => (Name: h.Key.ToLowerInvariant(), Value: string.Join(",", h.Value).Trim()))
                     .OrderBy(h => h.Name, StringComparer.Ordinal))
        {
            sb.Append(name).Append(':').Append(value).Append('\n');
        }

        sb.Append(CanonicalResource(request.RequestUri!));
        foreach (var group in Query(request.RequestUri!)
                     .GroupBy(q => q.Key.ToLowerInvariant())
                     .OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            sb.Append('\n').Append(group.Key).Append(':')
              .Append(string.Join(",", group.Select(q => q.Value).OrderBy(v => v, StringComparer.Ordinal)));
        }

        return sb.ToString();
    }

    // Table service SharedKey: VERB, Content-MD5, Content-Type, Date (x-ms-date), resource with only ?comp=.
    internal string TableStringToSign(HttpRequestMessage request)
    {
        var content = request.Content;
        var resource = CanonicalResource(request.RequestUri!);
        var comp = Query(request.RequestUri!).FirstOrDefault(q => q.Key.Equals("comp", StringComparison.OrdinalIgnoreCase));
        if (comp.Key is not null)
        {
            resource += "?comp=" + comp.Value;
        }

        return string.Join(
            '\n',
            request.Method.Method,
            content?.Headers.ContentMD5 is { } md5 ? Convert.ToBase64String(md5) : string.Empty,
            content?.Headers.ContentType?.ToString() ?? string.Empty,
            Header(request, "x-ms-date"),
            resource);
    }

    private string CanonicalResource(Uri uri) => "/" + _accountName + uri.AbsolutePath;

    private static IEnumerable<KeyValuePair<string, string>> Query(Uri uri)
    {
        var query = uri.Query.TrimStart('?');
        if (query.Length == 0)
        {
            yield break;
        }

        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? string.Empty : Uri.UnescapeDataString(pair[(eq + 1)..]);
            yield return new(key, value);
        }
    }

    private static string Header(HttpRequestMessage request, string name) =>
        request.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : string.Empty;

    private static string Join(ICollection<string>? values) => values is { Count: > 0 } ? string.Join(",", values) : string.Empty;
}

/// <summary>An OAuth access token and when it expires.</summary>
public readonly record struct StorageAccessToken(string Token, DateTimeOffset ExpiresOn);

/// <summary>
/// Entra ID (bearer token) authorization: the seam where production wires a managed identity. The token source is
/// given the scope <c>https://storage.azure.com/.default</c>; tokens are cached until five minutes before expiry.
/// </summary>
public sealed class TokenCredential : IStorageCredential
{
    public const string StorageScope = "https://storage.azure.com/.default";

    private readonly Func<string, CancellationToken, ValueTask<StorageAccessToken>> _tokenSource;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private StorageAccessToken? _cached;

    public TokenCredential(Func<string, CancellationToken, ValueTask<StorageAccessToken>> tokenSource, TimeProvider? time = null)
    {
        _tokenSource = tokenSource;
        _time = time ?? TimeProvider.System;
    }

    public async ValueTask AuthorizeAsync(HttpRequestMessage request, StorageService service, CancellationToken cancellationToken)
    {
        var token = await GetTokenAsync(cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
    }

    private async ValueTask<StorageAccessToken> GetTokenAsync(CancellationToken cancellationToken)
    {
        if (_cached is { } fresh && fresh.ExpiresOn - _time.GetUtcNow() > TimeSpan.FromMinutes(5))
        {
            return fresh;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_cached is { } again && again.ExpiresOn - _time.GetUtcNow() > TimeSpan.FromMinutes(5))
            {
                return again;
            }

            var token = await _tokenSource(StorageScope, cancellationToken).ConfigureAwait(false);
            _cached = token;
            return token;
        }
        finally
        {
            _gate.Release();
        }
    }
}
