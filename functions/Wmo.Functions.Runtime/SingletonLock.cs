using Azure;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;
using Wmo.AzureStorage;

namespace Wmo.Functions.Runtime;

/// <summary>
/// A listener lock as Azure Functions takes it for timer triggers: a blob lease on
/// <c>azure-webjobs-hosts/locks/{hostId}/{function}.listener</c>. Only the holder runs the schedule; standbys poll
/// every <c>listenerLockRecoveryPollingInterval</c> and take over when the holder stops renewing.
/// </summary>
internal sealed class SingletonLock
{
    public const string Container = "azure-webjobs-hosts";

    private readonly BlobContainerClient _container;
    private readonly string _blob;
    private readonly SingletonOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public SingletonLock(StorageClients storage, string hostId, string functionName, SingletonOptions options, TimeProvider time, ILogger logger)
    {
        _container = storage.GetBlobContainer(Container);
        _blob = $"locks/{hostId}/{functionName}.listener";
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>Waits until this instance holds the lock. The returned handle renews it and reports its loss.</summary>
    public async Task<Handle> AcquireAsync(CancellationToken ct)
    {
        var standbyLogged = false;
        while (true)
        {
            try
            {
                await EnsureBlobAsync(ct).ConfigureAwait(false);
                if (await _container.TryAcquireLeaseAsync(_blob, _options.ListenerLockPeriod, ct: ct).ConfigureAwait(false) is { } leaseId)
                {
                    return new Handle(this, leaseId);
                }

                if (!standbyLogged)
                {
                    _logger.LogInformation("{Lock} is held by another instance; standing by", _blob);
                    standbyLogged = true;
                }
            }
            catch (Exception ex) when (ex is RequestFailedException or HttpRequestException or IOException)
            {
                _logger.LogWarning(ex, "Acquiring {Lock} failed; retrying", _blob);
            }

            await Task.Delay(_options.ListenerLockRecoveryPollingInterval, _time, ct).ConfigureAwait(false);
        }
    }

    private async Task EnsureBlobAsync(CancellationToken ct)
    {
        await _container.CreateIfNotExistsAsync(cancellationToken: ct).ConfigureAwait(false);
        try
        {
            await _container.PutAsync(_blob, ReadOnlyMemory<byte>.Empty, conditions: BlobIdioms.CreateOnly, ct: ct).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.IsConflict || ex.IsPreconditionFailed)
        {
            // Already there (and maybe leased by the current holder).
        }
    }

    /// <summary>A held lock. <see cref="Lost"/> is cancelled when a renewal fails, so the holder stops at once.</summary>
    public sealed class Handle : IAsyncDisposable
    {
        private readonly SingletonLock _owner;
        private readonly string _leaseId;
        private readonly CancellationTokenSource _lost = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _renewal;

        internal Handle(SingletonLock owner, string leaseId)
        {
            _owner = owner;
            _leaseId = leaseId;
            _renewal = RenewLoopAsync();
        }

        public CancellationToken Lost => _lost.Token;

        private async Task RenewLoopAsync()
        {
            // Renew well inside the lease so one slow request does not cost the lock.
            var interval = _owner._options.ListenerLockPeriod / 3;
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(interval, _owner._time, _stop.Token).ConfigureAwait(false);
                    await _owner._container.RenewLeaseAsync(_owner._blob, _leaseId, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    _owner._logger.LogWarning(ex, "Lost {Lock}; another instance may take over", _owner._blob);
                    await _lost.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _renewal.ConfigureAwait(false);
            if (!_lost.IsCancellationRequested)
            {
                try
                {
                    // Release so a standby takes over now instead of after the lease period.
                    await _owner._container.ReleaseLeaseAsync(_owner._blob, _leaseId, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is RequestFailedException or HttpRequestException or IOException)
                {
                    _owner._logger.LogWarning(ex, "Releasing {Lock} failed; it expires by itself", _owner._blob);
                }
            }

            _lost.Dispose();
            _stop.Dispose();
        }
    }
}
