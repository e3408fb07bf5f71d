using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wmo.AzureStorage;

namespace Wmo.Functions.Runtime;

/// <summary>
/// Runs one timer-triggered function with Azure Functions semantics: on the one instance holding the listener lock,
/// once per NCRONTAB occurrence. Occurrences are computed from the schedule, not from when the last run ended, so
/// there is no drift. Each occurrence is claimed in the schedule status before it runs, so no occurrence runs twice;
/// an occurrence missed while no instance ran (or interrupted by a crash) runs once on the next start with
/// <c>TimerInfo.IsPastDue</c> set.
/// </summary>
internal sealed class TimerListener
{
    private readonly TimerFunctionDefinition _function;
    private readonly TimerSchedule _schedule;
    private readonly SingletonLock _lock;
    private readonly ScheduleMonitor _monitor;
    private readonly TimeSpan? _functionTimeout;
    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private bool _startupRunPending;
    private ScheduleStatus? _status;

    public TimerListener(
        TimerFunctionDefinition function, TimerSchedule schedule, StorageClients storage, HostJson hostJson, RuntimeOptions runtime,
        IServiceScopeFactory scopes, TimeProvider time, ILogger logger)
    {
        _function = function;
        _schedule = schedule;
        _lock = new SingletonLock(storage, runtime.HostId, function.Name, hostJson.Singleton, time, logger);
        _monitor = new ScheduleMonitor(storage, runtime.HostId, function.Name);
        _functionTimeout = hostJson.FunctionTimeout;
        _scopes = scopes;
        _time = time;
        _logger = logger;
        _startupRunPending = function.RunOnStartup;
    }

    public TimerSchedule Schedule => _schedule;

    public async Task RunAsync(CancellationToken stopping)
    {
        using var phase = Wmo.AzureStorage.StorageMeter.BeginPhase(_function.Name); // its polling, leases and invocations count as this function's storage
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await using var handle = await _lock.AcquireAsync(stopping).ConfigureAwait(false);
                using var holding = CancellationTokenSource.CreateLinkedTokenSource(stopping, handle.Lost);
                _logger.LogInformation("{Function}: this instance runs schedule '{Schedule}'", _function.Name, _schedule.Expression);
                await RunScheduleAsync(holding.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (OperationCanceledException)
            {
                // Lock lost: go back to standing by.
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "{Function}: timer loop failed; restarting it", _function.Name);
                await Task.Delay(TimeSpan.FromSeconds(5), _time, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task RunScheduleAsync(CancellationToken ct)
    {
        _status = await _monitor.ReadAsync(ct).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        if (_startupRunPending)
        {
            _startupRunPending = false;
            await InvokeAsync(new TimerTriggerInfo(now, false, _status?.Last), ct).ConfigureAwait(false);
        }

        if (_status is { Completed: false } interrupted)
        {
            await RunOccurrenceAsync(interrupted.Last, isPastDue: true, ct).ConfigureAwait(false);
        }
        else if (_status is { } status && status.Next < now)
        {
            // Missed while no instance ran: one catch-up run, as Azure's schedule monitor does.
            await RunOccurrenceAsync(status.Next, isPastDue: true, ct).ConfigureAwait(false);
        }

        var next = _schedule.NextAfter(Max(now, _status?.Last));
        while (true)
        {
            await DelayUntilAsync(next, ct).ConfigureAwait(false);
            var run = System.Diagnostics.Stopwatch.StartNew();
            await RunOccurrenceAsync(next, isPastDue: false, ct).ConfigureAwait(false);
            var after = _time.GetUtcNow();
            var following = _schedule.NextAfter(Max(next, after));
            if (_schedule.NextAfter(next) < following)
            {
                // Occurrences were skipped. A slow run deserves a warning; a clock moved forward (a demo clock) does not.
                if (run.Elapsed >= _schedule.NextAfter(next) - next)
                {
                    _logger.LogWarning("{Function}: the run for {Occurrence:o} outlasted the next occurrence(s); skipping to {Next:o}", _function.Name, next, following);
                }
                else
                {
                    _logger.LogDebug("{Function}: the clock moved past the occurrence(s) after {Occurrence:o}; next is {Next:o}", _function.Name, next, following);
                }
            }

            next = following;
        }
    }

    private async Task RunOccurrenceAsync(DateTimeOffset occurrence, bool isPastDue, CancellationToken ct)
    {
        var next = _schedule.NextAfter(occurrence);
        var previous = _status;
        var alreadyCompleted = previous is { Completed: true } && previous.Last >= occurrence;
        if (alreadyCompleted || !await ClaimAsync(occurrence, next, ct).ConfigureAwait(false))
        {
            _logger.LogInformation("{Function}: occurrence {Occurrence:o} already ran elsewhere", _function.Name, occurrence);
            return;
        }

        await InvokeAsync(new TimerTriggerInfo(occurrence, isPastDue, previous?.Last), ct).ConfigureAwait(false);
        var done = _status! with { Completed = true, LastUpdated = _time.GetUtcNow() };
        if (await _monitor.TryWriteAsync(done, CancellationToken.None).ConfigureAwait(false))
        {
            _status = done;
        }
    }

    private async Task<bool> ClaimAsync(DateTimeOffset occurrence, DateTimeOffset next, CancellationToken ct)
    {
        var claim = new ScheduleStatus(occurrence, Completed: false, next, _time.GetUtcNow());
        if (await _monitor.TryWriteAsync(claim, ct).ConfigureAwait(false))
        {
            _status = claim;
            return true;
        }

        // Someone wrote meanwhile (a lock hand-over race): run only if they have not reached this occurrence.
        _status = await _monitor.ReadAsync(ct).ConfigureAwait(false);
        if (_status is { } theirs && theirs.Last >= occurrence)
        {
            return false;
        }

        if (await _monitor.TryWriteAsync(claim, ct).ConfigureAwait(false))
        {
            _status = claim;
            return true;
        }

        return false;
    }

    private async Task InvokeAsync(TimerTriggerInfo info, CancellationToken ct)
    {
        using var timeout = _functionTimeout is { } t ? new CancellationTokenSource(t, _time) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        try
        {
            await using var scope = _scopes.CreateAsyncScope();
            await FunctionInvoker.InvokeAsync(_function, scope.ServiceProvider, info.ToTimerInfo(), linked.Token).ConfigureAwait(false);
            // Debug: a timer every few seconds would drown the console; the functions log what they did.
            _logger.LogDebug("{Function}: ran for {Occurrence:o}{PastDue}", _function.Name, info.ScheduledTime, info.IsPastDue ? " (past due)" : string.Empty);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            // Like Azure: a failed timer run is logged and not retried; the next occurrence runs as scheduled.
            _logger.LogError(ex, "{Function}: run for {Occurrence:o} failed", _function.Name, info.ScheduledTime);
        }
    }

    private async Task DelayUntilAsync(DateTimeOffset due, CancellationToken ct)
    {
        // Timers can wake a little early; wait again for the rest so a run never precedes its occurrence. At most a
        // minute at a time: Task.Delay takes at most 49.7 days (a yearly schedule waits longer), and a clock that is
        // moved forward (a demo clock) is noticed within the minute.
        for (var left = due - _time.GetUtcNow(); left > TimeSpan.Zero; left = due - _time.GetUtcNow())
        {
            var wait = left < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : left > TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : left;
            await Task.Delay(wait, _time, ct).ConfigureAwait(false);
        }
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset? b) => b is { } v && v > a ? v : a;
}

/// <summary>One occurrence a timer function runs for.</summary>
/// <param name="ScheduledTime">The occurrence (for a start-up run: the start).</param>
/// <param name="LastOccurrence">The occurrence that ran before it, if any.</param>
internal sealed record TimerTriggerInfo(DateTimeOffset ScheduledTime, bool IsPastDue, DateTimeOffset? LastOccurrence)
{
    /// <summary>
    /// What Azure binds: the schedule status as stored before this run, so <c>ScheduleStatus.Next</c> is the occurrence
    /// being run and <c>ScheduleStatus.Last</c> the one before it (<c>DateTime.MinValue</c> on a first run).
    /// </summary>
    public Microsoft.Azure.Functions.Worker.TimerInfo ToTimerInfo() => new()
    {
        IsPastDue = IsPastDue,
        ScheduleStatus = new Microsoft.Azure.Functions.Worker.ScheduleStatus
        {
            Last = LastOccurrence?.UtcDateTime ?? DateTime.MinValue,
            Next = ScheduledTime.UtcDateTime,
            LastUpdated = (LastOccurrence ?? ScheduledTime).UtcDateTime,
        },
    };
}
