using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wmo.AzureStorage;
using Wmo.Testing;

namespace Wmo.Functions.Runtime.Tests;

public sealed class TimerTriggerTests : IClassFixture<AzuriteFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly AzuriteFixture _azurite;
    private readonly StorageClients _client;
    private readonly Recorder _recorder = new();
    private readonly string _hostId = "timer-" + Guid.NewGuid().ToString("N")[..8];

    public TimerTriggerTests(AzuriteFixture azurite)
    {
        _azurite = azurite;
        _client = azurite.CreateClient();
    }

    private Task<TestRuntimeHost> StartAsync(string schedule, bool runOnStartup = false, string hostName = "a") =>
        TestRuntimeHost.StartAsync(_azurite, TestRuntimeHost.HostJson(), _recorder,
            f => _ = runOnStartup ? f.AddFunction<StartupTimer>() : f.AddFunction<RecordingTimer>(),
            new Dictionary<string, string?>
            {
                ["TickSchedule"] = schedule,
                ["Runtime:HostId"] = _hostId,
                ["Test:HostName"] = hostName,
            });

    [Fact]
    public async Task A_one_second_schedule_over_ten_seconds_runs_each_second_at_most_once_and_on_time()
    {
        await using var host = await StartAsync("* * * * * *");
        await Eventually.TrueAsync(() => !_recorder.TimerRuns.IsEmpty, Wait, "the first occurrence ran");
        _recorder.TimerRuns.Clear();

        await Task.Delay(TimeSpan.FromSeconds(10));
        await host.StopAsync();

        var runs = _recorder.TimerRuns.Select(r => r.Info.ScheduledTime()).ToList();
        Assert.Equal(runs.Count, runs.Distinct().Count());
        Assert.All(runs, r => Assert.Equal(0, r.Millisecond));
        Assert.All(runs.Zip(runs.Skip(1)), pair => Assert.True(pair.Second > pair.First, "occurrences run in order"));
        Assert.All(_recorder.TimerRuns, r => Assert.False(r.Info.IsPastDue));
        // Like Azure, an occurrence that passes while the previous run (with its two schedule-status writes) is still
        // busy is skipped rather than run late; on a loaded CI machine a storage write can take that long now and
        // then, so a few skipped seconds are allowed, but most of the ten must run.
        Assert.InRange(runs.Count, 7, 11);
    }

    [Fact]
    public async Task Every_run_is_told_its_occurrence_and_the_one_before_it_as_Azure_binds_TimerInfo()
    {
        await using var host = await StartAsync("*/2 * * * * *");

        await Eventually.TrueAsync(() => _recorder.TimerRuns.Count >= 2, Wait, "two occurrences ran");

        var runs = _recorder.TimerRuns.Take(2).Select(r => r.Info).ToList();
        Assert.All(runs, r => Assert.Equal(0, r.ScheduledTime().Second % 2));
        Assert.Equal(runs[0].ScheduledTime().AddSeconds(2), runs[1].ScheduledTime());
        Assert.Equal(runs[0].ScheduledTime(), runs[1].LastOccurrence());
    }

    [Fact]
    public async Task RunOnStartup_runs_the_function_once_when_the_host_starts()
    {
        await using var host = await StartAsync("0 0 0 1 1 *", runOnStartup: true);

        await Eventually.TrueAsync(() => _recorder.TimerRuns.Count == 1, Wait, "the start-up run happened");
        await Task.Delay(500);

        Assert.Single(_recorder.TimerRuns);
    }

    [Fact]
    public async Task An_occurrence_missed_while_no_host_ran_is_run_once_as_past_due()
    {
        var container = _client.GetBlobContainer(SingletonLock.Container);
        await container.CreateIfNotExistsAsync();
        var missed = TimeProvider.System.GetUtcNow().AddHours(-1);
        var status = new ScheduleStatus(missed.AddDays(-1), Completed: true, missed, missed.AddDays(-1));
        await container.PutAsync($"timers/{_hostId}/Tick/status", JsonSerializer.SerializeToUtf8Bytes(status), "application/json");

        await using var host = await StartAsync("0 0 0 1 1 *");

        await Eventually.TrueAsync(() => _recorder.TimerRuns.Count == 1, Wait, "the missed occurrence ran");
        await Task.Delay(500);
        var run = Assert.Single(_recorder.TimerRuns).Info;
        Assert.True(run.IsPastDue);
        Assert.Equal(missed, run.ScheduledTime());
    }

    [Fact]
    public async Task An_occurrence_interrupted_by_a_crash_is_run_again_as_past_due()
    {
        var container = _client.GetBlobContainer(SingletonLock.Container);
        await container.CreateIfNotExistsAsync();
        var interrupted = TimeProvider.System.GetUtcNow().AddMinutes(-3);
        var status = new ScheduleStatus(interrupted, Completed: false, interrupted.AddYears(1), interrupted);
        await container.PutAsync($"timers/{_hostId}/Tick/status", JsonSerializer.SerializeToUtf8Bytes(status), "application/json");

        await using var host = await StartAsync("0 0 0 1 1 *");

        await Eventually.TrueAsync(() => _recorder.TimerRuns.Count == 1, Wait, "the interrupted occurrence ran");
        var run = Assert.Single(_recorder.TimerRuns).Info;
        Assert.True(run.IsPastDue);
        Assert.Equal(interrupted, run.ScheduledTime());
    }

    [Fact]
    public async Task Two_hosts_sharing_storage_run_each_occurrence_once_and_a_standby_takes_over_when_the_holder_stops()
    {
        var a = await StartAsync("* * * * * *", hostName: "a");
        await Eventually.TrueAsync(() => !_recorder.TimerRuns.IsEmpty, Wait, "host a runs the schedule");
        await using var b = await StartAsync("* * * * * *", hostName: "b");

        await Task.Delay(TimeSpan.FromSeconds(4));
        await a.DisposeAsync();
        var beforeHandOver = _recorder.TimerRuns.Count;
        await Eventually.TrueAsync(() => _recorder.TimerRuns.Skip(beforeHandOver).Any(r => r.Host == "b"), Wait, "host b took over");
        await Task.Delay(TimeSpan.FromSeconds(2));
        await b.StopAsync();

        var runs = _recorder.TimerRuns.ToList();
        Assert.Equal(runs.Count, runs.Select(r => r.Info.ScheduledTime()).Distinct().Count());
        Assert.All(runs.Take(beforeHandOver), r => Assert.Equal("a", r.Host));
        Assert.All(runs.Skip(beforeHandOver), r => Assert.Equal("b", r.Host));
    }

    [Fact]
    public async Task A_clock_moved_forward_skips_occurrences_without_a_slow_run_warning_and_runs_log_at_debug_only()
    {
        var clock = new JumpingClock();
        var logs = new CapturingLogger(LogLevel.Information);
        await using var host = await TestRuntimeHost.StartAsync(_azurite, TestRuntimeHost.HostJson(), _recorder, f => f.AddFunction<RecordingTimer>(),
            new Dictionary<string, string?> { ["TickSchedule"] = "* * * * * *", ["Runtime:HostId"] = _hostId, ["Test:HostName"] = "a" },
            builder =>
            {
                builder.Services.AddSingleton<TimeProvider>(clock);
                builder.Logging.ClearProviders();
                builder.Logging.AddFilter(_ => true);
                builder.Logging.AddProvider(logs);
            });
        await Eventually.TrueAsync(() => _recorder.TimerRuns.Count >= 2, Wait, "the timer runs");

        clock.Jump(TimeSpan.FromHours(3)); // a demo clock catching up on a day
        var before = _recorder.TimerRuns.Count;
        await Eventually.TrueAsync(() => _recorder.TimerRuns.Count >= before + 2, Wait, "the timer runs on after the jump");

        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Warning && e.Message.Contains("outlasted", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains("ran for", StringComparison.Ordinal)); // per-run lines are Debug
    }
}
