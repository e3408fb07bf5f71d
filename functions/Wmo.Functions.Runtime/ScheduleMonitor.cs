using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Wmo.AzureStorage;

namespace Wmo.Functions.Runtime;

/// <summary>Schedule status of one timer (blob <c>timers/{hostId}/{function}/status</c>, as Azure keeps it).</summary>
/// <param name="Last">The last occurrence claimed for a run.</param>
/// <param name="Completed">Whether the run of <paramref name="Last"/> finished (false after a crash mid-run).</param>
/// <param name="Next">The occurrence expected after <paramref name="Last"/>; in the past on start-up means missed.</param>
internal sealed record ScheduleStatus(DateTimeOffset Last, bool Completed, DateTimeOffset Next, DateTimeOffset LastUpdated);

/// <summary>
/// Reads and writes schedule status with ETag concurrency. An occurrence is claimed (written with If-Match) before
/// it runs, so two instances can never both run it even if a lock hand-over races.
/// </summary>
internal sealed class ScheduleMonitor
{
    private readonly BlobContainerClient _container;
    private readonly string _blob;
    private ETag? _etag;

    public ScheduleMonitor(StorageClients storage, string hostId, string functionName)
    {
        _container = storage.GetBlobContainer(SingletonLock.Container);
        _blob = $"timers/{hostId}/{functionName}/status";
    }

    public async Task<ScheduleStatus?> ReadAsync(CancellationToken ct)
    {
        var blob = await _container.GetAsync(_blob, ct).ConfigureAwait(false);
        _etag = blob?.ETag;
        return blob is null ? null : JsonSerializer.Deserialize<ScheduleStatus>(blob.Content);
    }

    /// <summary>Writes the status if nobody else wrote since our last read/write; false when someone did.</summary>
    public async Task<bool> TryWriteAsync(ScheduleStatus status, CancellationToken ct)
    {
        var conditions = _etag is { } etag ? new BlobRequestConditions { IfMatch = etag } : BlobIdioms.CreateOnly;
        try
        {
            _etag = await _container.PutAsync(_blob, JsonSerializer.SerializeToUtf8Bytes(status), "application/json", conditions: conditions, ct: ct)
                .ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (ex.IsPreconditionFailed || ex.IsConflict)
        {
            return false;
        }
    }
}
