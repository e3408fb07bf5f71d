using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Xml.Linq;

namespace Wmo.Storage;

/// <summary>A downloaded blob with the properties the project relies on.</summary>
public sealed record BlobDownload(byte[] Content, string ContentType, string ETag, DateTimeOffset LastModified, IReadOnlyDictionary<string, string> Metadata);

/// <summary>One entry of a listing.</summary>
public sealed record BlobItem(string Name, long Size, string ETag, DateTimeOffset LastModified, string? LeaseState);

/// <summary>Write conditions for a put: unconditional, create-only (If-None-Match: *), or an ETag match.</summary>
public sealed record BlobCondition(string? IfMatch = null, string? IfNoneMatch = null, string? LeaseId = null)
{
    public static readonly BlobCondition None = new();

    /// <summary>Only create: fails with 409 BlobAlreadyExists when the blob is there (archive write-once).</summary>
    public static readonly BlobCondition CreateOnly = new(IfNoneMatch: "*");
}

/// <summary>Azure Blob Storage REST operations on one container (block blobs and leases).</summary>
public sealed class BlobContainerClient
{
    private readonly StorageClient _storage;

    internal BlobContainerClient(StorageClient storage, string name)
    {
        _storage = storage;
        Name = name;
    }

    public string Name { get; }

    public async Task<bool> CreateIfNotExistsAsync(CancellationToken ct = default)
    {
        using var response = await SendAsync(HttpMethod.Put, $"{Name}?restype=container", ct: ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }

        await EnsureSuccessAsync(response, "Create container", ct).ConfigureAwait(false);
        return true;
    }

    public async Task<bool> DeleteIfExistsAsync(CancellationToken ct = default)
    {
        using var response = await SendAsync(HttpMethod.Delete, $"{Name}?restype=container", ct: ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        await EnsureSuccessAsync(response, "Delete container", ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>Uploads a block blob in one request (the service allows up to 5000 MiB; iWmo files are ≤ 25 MB).</summary>
    /// <returns>The new ETag.</returns>
    public async Task<string> PutAsync(
        string blobName, ReadOnlyMemory<byte> content, string contentType = "application/octet-stream",
        IReadOnlyDictionary<string, string>? metadata = null, BlobCondition? condition = null, CancellationToken ct = default)
    {
        var body = new ReadOnlyMemoryContent(content);
        body.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var request = Request(HttpMethod.Put, BlobPath(blobName), body);
        request.Headers.TryAddWithoutValidation("x-ms-blob-type", "BlockBlob");
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation("x-ms-meta-" + key, value);
        }

        ApplyCondition(request, condition ?? BlobCondition.None);
        using var response = await _storage.SendAsync(StorageService.Blob, request, ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, $"Put blob {blobName}", ct).ConfigureAwait(false);
        return response.Headers.ETag!.ToString();
    }

    /// <summary>Downloads a blob; null when it does not exist.</summary>
    public async Task<BlobDownload?> GetAsync(string blobName, CancellationToken ct = default)
    {
        using var request = Request(HttpMethod.Get, BlobPath(blobName));
        using var response = await _storage.SendAsync(StorageService.Blob, request, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        await EnsureSuccessAsync(response, $"Get blob {blobName}", ct).ConfigureAwait(false);
        var metadata = response.Headers
            .Where(h => h.Key.StartsWith("x-ms-meta-", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(h => h.Key["x-ms-meta-".Length..], h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        return new BlobDownload(
            await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false),
            response.Content.Headers.ContentType?.ToString() ?? "application/octet-stream",
            response.Headers.ETag!.ToString(),
            response.Content.Headers.LastModified ?? default,
            metadata);
    }

    /// <summary>Deletes a blob; false when it did not exist. A leased blob needs its lease id.</summary>
    public async Task<bool> DeleteAsync(string blobName, string? leaseId = null, CancellationToken ct = default)
    {
        using var request = Request(HttpMethod.Delete, BlobPath(blobName));
        if (leaseId is not null)
        {
            request.Headers.TryAddWithoutValidation("x-ms-lease-id", leaseId);
        }

        using var response = await _storage.SendAsync(StorageService.Blob, request, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        await EnsureSuccessAsync(response, $"Delete blob {blobName}", ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>Lists blobs whose name starts with <paramref name="prefix"/>, in name order, following continuation markers.</summary>
    public async IAsyncEnumerable<BlobItem> ListAsync(
        string? prefix = null, int pageSize = 5000, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        string? marker = null;
        do
        {
            var path = $"{Name}?restype=container&comp=list&maxresults={pageSize.ToString(CultureInfo.InvariantCulture)}";
            if (!string.IsNullOrEmpty(prefix))
            {
                path += "&prefix=" + Uri.EscapeDataString(prefix);
            }

            if (!string.IsNullOrEmpty(marker))
            {
                path += "&marker=" + Uri.EscapeDataString(marker);
            }

            using var request = Request(HttpMethod.Get, path);
            using var response = await _storage.SendAsync(StorageService.Blob, request, ct).ConfigureAwait(false);
            await EnsureSuccessAsync(response, "List blobs", ct).ConfigureAwait(false);
            var root = XDocument.Parse(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false)).Root!;
            foreach (var blob in root.Element("Blobs")?.Elements("Blob") ?? [])
            {
                var props = blob.Element("Properties")!;
                yield return new BlobItem(
                    blob.Element("Name")!.Value,
                    long.Parse(props.Element("Content-Length")?.Value ?? "0", CultureInfo.InvariantCulture),
                    props.Element("Etag")?.Value ?? string.Empty,
                    DateTimeOffset.Parse(props.Element("Last-Modified")!.Value, CultureInfo.InvariantCulture),
                    props.Element("LeaseState")?.Value);
            }

            marker = root.Element("NextMarker")?.Value;
        }
        while (!string.IsNullOrEmpty(marker));
    }

    /// <summary>
    /// Tries to acquire a lease (15–60 s, or infinite with <see cref="Timeout.InfiniteTimeSpan"/>). Returns the lease id,
    /// or null when another holder has it (409 LeaseAlreadyPresent) — the normal outcome for a standby instance.
    /// The blob must exist.
    /// </summary>
    public async Task<string?> TryAcquireLeaseAsync(string blobName, TimeSpan duration, string? proposedLeaseId = null, CancellationToken ct = default)
    {
        using var request = LeaseRequest(blobName, "acquire", leaseId: null);
        request.Headers.TryAddWithoutValidation(
            "x-ms-lease-duration",
            duration == Timeout.InfiniteTimeSpan ? "-1" : ((int)duration.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("x-ms-proposed-lease-id", proposedLeaseId ?? Guid.NewGuid().ToString());
        using var response = await _storage.SendAsync(StorageService.Blob, request, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            var (code, message) = await StorageClient.ReadErrorAsync(response, ct).ConfigureAwait(false);
            if (code == "LeaseAlreadyPresent")
            {
                return null;
            }

            throw new StorageRequestException(response.StatusCode, code, message, $"Acquire lease on {blobName}");
        }

        await EnsureSuccessAsync(response, $"Acquire lease on {blobName}", ct).ConfigureAwait(false);
        return response.Headers.GetValues("x-ms-lease-id").Single();
    }

    /// <summary>Renews a held lease. Throws (409 LeaseIdMismatchWithLeaseOperation / LeaseLost) when it was lost.</summary>
    public async Task RenewLeaseAsync(string blobName, string leaseId, CancellationToken ct = default)
    {
        using var request = LeaseRequest(blobName, "renew", leaseId);
        using var response = await _storage.SendAsync(StorageService.Blob, request, ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, $"Renew lease on {blobName}", ct).ConfigureAwait(false);
    }

    /// <summary>Releases a held lease so a standby can take over at once.</summary>
    public async Task ReleaseLeaseAsync(string blobName, string leaseId, CancellationToken ct = default)
    {
        using var request = LeaseRequest(blobName, "release", leaseId);
        using var response = await _storage.SendAsync(StorageService.Blob, request, ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, $"Release lease on {blobName}", ct).ConfigureAwait(false);
    }

    private HttpRequestMessage LeaseRequest(string blobName, string action, string? leaseId)
    {
        var request = Request(HttpMethod.Put, BlobPath(blobName) + "?comp=lease");
        request.Headers.TryAddWithoutValidation("x-ms-lease-action", action);
        if (leaseId is not null)
        {
            request.Headers.TryAddWithoutValidation("x-ms-lease-id", leaseId);
        }

        return request;
    }

    private static void ApplyCondition(HttpRequestMessage request, BlobCondition condition)
    {
        if (condition.IfMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", condition.IfMatch);
        }

        if (condition.IfNoneMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", condition.IfNoneMatch);
        }

        if (condition.LeaseId is not null)
        {
            request.Headers.TryAddWithoutValidation("x-ms-lease-id", condition.LeaseId);
        }
    }

    private string BlobPath(string blobName)
    {
        ArgumentException.ThrowIfNullOrEmpty(blobName);
        if (blobName.Length > 1024)
        {
            throw new ArgumentException("Blob names are at most 1024 characters.", nameof(blobName));
        }

        // Keep '/' as a virtual-directory separator; escape every segment.
        return Name + "/" + string.Join('/', blobName.Split('/').Select(Uri.EscapeDataString));
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string relative, CancellationToken ct)
    {
        using var request = Request(method, relative);
        return await _storage.SendAsync(StorageService.Blob, request, ct).ConfigureAwait(false);
    }

    private HttpRequestMessage Request(HttpMethod method, string relative, HttpContent? content = null) =>
        new(method, _storage.Uri(StorageService.Blob, relative)) { Content = content };

    private Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken ct) =>
        StorageClient.EnsureSuccessAsync(response, $"{what} ({Name})", ct);
}
