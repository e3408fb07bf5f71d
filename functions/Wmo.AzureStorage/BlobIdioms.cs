using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Wmo.AzureStorage;

/// <summary>A downloaded blob with the properties the stores rely on.</summary>
public sealed record BlobDownload(byte[] Content, string ContentType, ETag ETag, DateTimeOffset LastModified, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// The blob idioms the stores are built on, on the Azure SDK's <see cref="BlobContainerClient"/>: write-once
/// (If-None-Match: *), read-or-null, delete-if-there, and the lease a singleton timer holds.
/// </summary>
public static class BlobIdioms
{
    /// <summary>Only create (If-None-Match: *): write-once archives and lease blobs.</summary>
    public static BlobRequestConditions CreateOnly => new() { IfNoneMatch = ETag.All };

    extension(BlobContainerClient container)
    {
        /// <summary>
        /// Uploads a block blob (iWmo files are ≤ 25 MB). With <see cref="CreateOnly"/> the write fails with 409
        /// BlobAlreadyExists when the blob is there; with an If-Match ETag it fails with 412 when someone wrote since.
        /// </summary>
        public async Task<ETag> PutAsync(
            string blobName, ReadOnlyMemory<byte> content, string contentType = "application/octet-stream",
            IDictionary<string, string>? metadata = null, BlobRequestConditions? conditions = null, CancellationToken ct = default)
        {
            var options = new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
                Metadata = metadata,
                Conditions = conditions,
            };
            var response = await container.GetBlobClient(blobName).UploadAsync(BinaryData.FromBytes(content), options, ct).ConfigureAwait(false);
            return response.Value.ETag;
        }

        /// <summary>Downloads a blob; null when it does not exist.</summary>
        public async Task<BlobDownload?> GetAsync(string blobName, CancellationToken ct = default)
        {
            try
            {
                var response = await container.GetBlobClient(blobName).DownloadContentAsync(ct).ConfigureAwait(false);
                var details = response.Value.Details;
                return new BlobDownload(
                    response.Value.Content.ToArray(),
                    details.ContentType ?? "application/octet-stream",
                    details.ETag,
                    details.LastModified,
                    new Dictionary<string, string>(details.Metadata, StringComparer.OrdinalIgnoreCase));
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                return null;
            }
        }

        /// <summary>Deletes a blob; false when it did not exist. A leased blob needs its lease id.</summary>
        public async Task<bool> DeleteAsync(string blobName, string? leaseId = null, CancellationToken ct = default)
        {
            var conditions = leaseId is null ? null : new BlobRequestConditions { LeaseId = leaseId };
            var response = await container.GetBlobClient(blobName)
                .DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, conditions, ct).ConfigureAwait(false);
            return response.Value;
        }

        /// <summary>Blobs whose name starts with <paramref name="prefix"/>, in name order (the SDK follows the markers).</summary>
        public IAsyncEnumerable<BlobItem> ListAsync(string? prefix = null, CancellationToken ct = default) =>
            container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, ct);

        /// <summary>
        /// Tries to acquire a lease (15–60 s, or infinite). Returns the lease id, or null when another holder has it
        /// (409 LeaseAlreadyPresent) — the normal outcome for a standby instance. The blob must exist.
        /// </summary>
        public async Task<string?> TryAcquireLeaseAsync(string blobName, TimeSpan duration, string? proposedLeaseId = null, CancellationToken ct = default)
        {
            try
            {
                var lease = container.GetBlobClient(blobName).GetBlobLeaseClient(proposedLeaseId ?? Guid.NewGuid().ToString());
                var response = await lease.AcquireAsync(duration, cancellationToken: ct).ConfigureAwait(false);
                return response.Value.LeaseId;
            }
            catch (RequestFailedException ex) when (ex.Status == 409 && ex.ErrorCode == BlobErrorCode.LeaseAlreadyPresent)
            {
                return null;
            }
        }

        /// <summary>Renews a held lease; throws (409 LeaseIdMismatchWithLeaseOperation / LeaseLost) when it was lost.</summary>
        public async Task RenewLeaseAsync(string blobName, string leaseId, CancellationToken ct = default) =>
            await container.GetBlobClient(blobName).GetBlobLeaseClient(leaseId).RenewAsync(cancellationToken: ct).ConfigureAwait(false);

        /// <summary>Releases a held lease so a standby can take over at once.</summary>
        public async Task ReleaseLeaseAsync(string blobName, string leaseId, CancellationToken ct = default) =>
            await container.GetBlobClient(blobName).GetBlobLeaseClient(leaseId).ReleaseAsync(cancellationToken: ct).ConfigureAwait(false);
    }
}
