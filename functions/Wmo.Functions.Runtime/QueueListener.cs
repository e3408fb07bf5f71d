using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wmo.AzureStorage;

namespace Wmo.Functions.Runtime;

/// <summary>
/// Runs one queue-triggered function with the semantics of the Azure Functions queue extension:
/// batches of <c>batchSize</c>, a new batch once in-flight work drops to <c>newBatchThreshold</c>, randomized
/// exponential back-off up to <c>maxPollingInterval</c> on an empty queue, a message lease kept alive while the
/// handler runs, failed messages made visible again after <c>visibilityTimeout</c>, and after
/// <c>maxDequeueCount</c> attempts moved to <c>&lt;queue&gt;-poison</c>. A message is deleted only after its
/// handler succeeded, so a crash at any point leaves it in the queue to be delivered again.
/// </summary>
internal sealed class QueueListener
{
    private readonly QueueFunctionDefinition _function;
    private readonly QueueClient _queue;
    private readonly QueueClient _poison;
    private readonly QueuesOptions _options;
    private readonly RuntimeOptions _runtime;
    private readonly TimeSpan? _functionTimeout;
    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _handlerCancellation = new();
    private readonly Dictionary<string, Task> _inFlight = [];
    private readonly SemaphoreSlim _slotFreed = new(0);
    private bool _poisonCreated;

    public QueueListener(
        QueueFunctionDefinition function, string queueName, StorageClients storage, HostJson hostJson, RuntimeOptions runtime,
        IServiceScopeFactory scopes, TimeProvider time, ILogger logger)
    {
        _function = function;
        _queue = storage.GetQueue(queueName);
        _poison = storage.GetQueue(PoisonQueueName(queueName));
        _options = hostJson.Queues;
        _functionTimeout = hostJson.FunctionTimeout;
        _runtime = runtime;
        _scopes = scopes;
        _time = time;
        _logger = logger;
    }

    public static string PoisonQueueName(string queueName) => queueName + "-poison";

    public string QueueName => _queue.Name;

    public async Task RunAsync(CancellationToken stopping)
    {
        using var phase = Wmo.AzureStorage.StorageMeter.BeginPhase(_function.Name); // its polling, leases and invocations count as this function's storage
        await EnsureQueueAsync(stopping).ConfigureAwait(false);
        var delay = QueuesOptions.MinimumPollingInterval;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                if (InFlightCount > _options.NewBatchThreshold)
                {
                    await _slotFreed.WaitAsync(stopping).ConfigureAwait(false);
                    continue;
                }

                IReadOnlyList<QueueMessage> batch;
                try
                {
                    // Not cancellable: a receive cut off after the service dequeued would hide messages for a whole lease.
                    batch = await _queue.ReceiveAsync(_options.BatchSize, _runtime.MessageLease, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is RequestFailedException or HttpRequestException or IOException)
                {
                    // Storage unreachable even after the client's retries: keep polling with back-off, never die.
                    _logger.LogWarning(ex, "{Function}: receiving from {Queue} failed; backing off", _function.Name, _queue.Name);
                    batch = [];
                }

                if (batch.Count == 0)
                {
                    await Task.Delay(Jitter(delay), _time, stopping).ConfigureAwait(false);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxPollingInterval.Ticks));
                    continue;
                }

                delay = QueuesOptions.MinimumPollingInterval;
                foreach (var message in batch)
                {
                    Track(message);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Host is stopping: fall through to drain.
        }

        await DrainAsync().ConfigureAwait(false);
    }

    private int InFlightCount
    {
        get
        {
            lock (_inFlight)
            {
                return _inFlight.Count;
            }
        }
    }

    private void Track(QueueMessage message)
    {
        var task = Task.Run(() => ProcessAsync(message));
        lock (_inFlight)
        {
            _inFlight[message.MessageId] = task;
        }

        _ = task.ContinueWith(
            _ =>
            {
                lock (_inFlight)
                {
                    _inFlight.Remove(message.MessageId);
                }

                _slotFreed.Release();
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>Graceful stop: in-flight handlers get the grace period to finish; then they are cancelled and their
    /// messages released (made visible at once) so another instance picks them up without waiting for the lease.</summary>
    private async Task DrainAsync()
    {
        Task[] running;
        lock (_inFlight)
        {
            running = [.. _inFlight.Values];
        }

        if (running.Length == 0)
        {
            return;
        }

        var all = Task.WhenAll(running);
        if (await Task.WhenAny(all, Task.Delay(_runtime.ShutdownGrace, _time)).ConfigureAwait(false) != all)
        {
            _logger.LogWarning("{Function}: {Count} message(s) still running at shutdown; cancelling and releasing them", _function.Name, running.Length);
            await _handlerCancellation.CancelAsync().ConfigureAwait(false);
        }

        await all.ConfigureAwait(false);
    }

    private async Task ProcessAsync(QueueMessage message)
    {
        try
        {
            if (message.DequeueCount > _options.MaxDequeueCount)
            {
                // The last attempt ended without a verdict (the host died mid-way): poison without another run.
                await MoveToPoisonAsync(message, message.PopReceipt).ConfigureAwait(false);
                return;
            }

            using var lease = new MessageLease(_queue, message, _runtime.MessageLease, _time, _logger);
            var outcome = await InvokeAsync(message).ConfigureAwait(false);
            var popReceipt = await lease.StopAsync().ConfigureAwait(false);
            switch (outcome)
            {
                case Outcome.Succeeded:
                    await DeleteAsync(message, popReceipt).ConfigureAwait(false);
                    break;
                case Outcome.Cancelled:
                    await ReleaseAsync(message, popReceipt, TimeSpan.Zero).ConfigureAwait(false);
                    break;
                case Outcome.Failed when message.DequeueCount >= _options.MaxDequeueCount:
                    await MoveToPoisonAsync(message, popReceipt).ConfigureAwait(false);
                    break;
                default:
                    await ReleaseAsync(message, popReceipt, _options.VisibilityTimeout).ConfigureAwait(false);
                    break;
            }
        }
        catch (Exception ex)
        {
            // Bookkeeping failed (storage down): the message's lease runs out and it is delivered again.
            _logger.LogError(ex, "{Function}: settling message {MessageId} failed; it will be redelivered", _function.Name, message.MessageId);
        }
    }

    private enum Outcome
    {
        Succeeded,
        Failed,
        Cancelled,
    }

    private async Task<Outcome> InvokeAsync(QueueMessage message)
    {
        using var timeout = _functionTimeout is { } t ? new CancellationTokenSource(t, _time) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(_handlerCancellation.Token, timeout.Token);
        try
        {
            await using var scope = _scopes.CreateAsyncScope();
            await FunctionInvoker.InvokeAsync(_function, scope.ServiceProvider, message, linked.Token).ConfigureAwait(false);
            _logger.LogDebug("{Function}: message {MessageId} done", _function.Name, message.MessageId);
            return Outcome.Succeeded;
        }
        catch (OperationCanceledException) when (_handlerCancellation.IsCancellationRequested)
        {
            return Outcome.Cancelled;
        }
        catch (Exception ex)
        {
            var reason = timeout.IsCancellationRequested ? "timed out (functionTimeout)" : "failed";
            _logger.LogWarning(ex, "{Function}: message {MessageId} {Reason} on attempt {DequeueCount} of {Max}",
                _function.Name, message.MessageId, reason, message.DequeueCount, _options.MaxDequeueCount);
            return Outcome.Failed;
        }
    }

    private async Task DeleteAsync(QueueMessage message, string popReceipt)
    {
        try
        {
            await _queue.DeleteMessageAsync(message.MessageId, popReceipt, CancellationToken.None).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.IsNotFound || ex.ErrorCode == "PopReceiptMismatch")
        {
            // The lease was lost (e.g. a long pause) and another consumer has the message: it will be handled
            // again there, which idempotent handlers tolerate.
            _logger.LogWarning("{Function}: message {MessageId} was no longer ours to delete ({Code})", _function.Name, message.MessageId, ex.ErrorCode);
        }
    }

    private async Task ReleaseAsync(QueueMessage message, string popReceipt, TimeSpan after) =>
        await _queue.UpdateVisibilityAsync(message.MessageId, popReceipt, after, ct: CancellationToken.None).ConfigureAwait(false);

    private async Task MoveToPoisonAsync(QueueMessage message, string popReceipt)
    {
        if (!_poisonCreated)
        {
            await _poison.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
            _poisonCreated = true;
        }

        // Copy first, delete second: a crash in between leaves a duplicate in the poison queue, never a loss.
        await _poison.SendAsync(message.MessageText, timeToLive: Timeout.InfiniteTimeSpan, ct: CancellationToken.None).ConfigureAwait(false);
        await DeleteAsync(message, popReceipt).ConfigureAwait(false);
        _logger.LogError("{Function}: message {MessageId} moved to {Poison} after {DequeueCount} attempts",
            _function.Name, message.MessageId, _poison.Name, message.DequeueCount);
    }

    private async Task EnsureQueueAsync(CancellationToken stopping)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                await _queue.CreateIfNotExistsAsync(cancellationToken: stopping).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is RequestFailedException or HttpRequestException or IOException)
            {
                _logger.LogWarning(ex, "{Function}: queue {Queue} not reachable yet", _function.Name, _queue.Name);
                await Task.Delay(delay, _time, stopping).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxPollingInterval.Ticks));
            }
        }
    }

    // Azure's RandomizedExponentialBackoffStrategy: each wait is somewhere in the upper part of the interval.
    private static TimeSpan Jitter(TimeSpan delay) => delay * (0.8 + (Random.Shared.NextDouble() * 0.2));
}

/// <summary>Keeps a received message invisible while its handler runs, renewing at half the lease.</summary>
internal sealed class MessageLease : IDisposable
{
    private readonly QueueClient _queue;
    private readonly QueueMessage _message;
    private readonly TimeSpan _lease;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewal;
    private string _popReceipt;

    public MessageLease(QueueClient queue, QueueMessage message, TimeSpan lease, TimeProvider time, ILogger logger)
    {
        _queue = queue;
        _message = message;
        _lease = lease;
        _time = time;
        _logger = logger;
        _popReceipt = message.PopReceipt;
        _renewal = RenewLoopAsync();
    }

    /// <summary>Stops renewing and returns the current pop receipt.</summary>
    public async Task<string> StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _renewal.ConfigureAwait(false);
        return _popReceipt;
    }

    public void Dispose() => _stop.Dispose();

    private async Task RenewLoopAsync()
    {
        while (true)
        {
            try
            {
                await Task.Delay(_lease / 2, _time, _stop.Token).ConfigureAwait(false);
                // Not cancellable: a renewal the service applied must not lose its new pop receipt.
                var receipt = await _queue.UpdateVisibilityAsync(_message.MessageId, _popReceipt, _lease, ct: CancellationToken.None).ConfigureAwait(false);
                _popReceipt = receipt.PopReceipt;
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "Renewing the lease of message {MessageId} failed", _message.MessageId);
            }
        }
    }
}
