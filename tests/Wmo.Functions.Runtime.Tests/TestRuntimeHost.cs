using System.Collections.Concurrent;
using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Wmo.Testing;

namespace Wmo.Functions.Runtime.Tests;

/// <summary>An in-process host running the trigger runtime against the test Azurite.</summary>
internal sealed class TestRuntimeHost : IAsyncDisposable
{
    private readonly string _dir;
    private bool _stopped;

    private TestRuntimeHost(IHost host, string dir)
    {
        Host = host;
        _dir = dir;
    }

    public IHost Host { get; }

    public static async Task<TestRuntimeHost> StartAsync(
        AzuriteFixture azurite, string hostJson, Recorder recorder, Action<FunctionsRuntimeBuilder> functions,
        IDictionary<string, string?>? settings = null, Action<HostApplicationBuilder>? configure = null)
    {
        var dir = Directory.CreateTempSubdirectory("wmo-runtime-").FullName;
        var hostJsonPath = Path.Combine(dir, "host.json");
        await File.WriteAllTextAsync(hostJsonPath, hostJson);
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var all = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Runtime:HostId"] = "test-" + Guid.NewGuid().ToString("N")[..8],
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(all);
        builder.Logging.AddFilter(_ => false);
        builder.Services.AddSingleton(recorder);
        configure?.Invoke(builder);
        functions(builder.Services.AddFunctionsRuntime(builder.Configuration, hostJsonPath));
        var host = builder.Build();
        await host.StartAsync();
        return new TestRuntimeHost(host, dir);
    }

    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await Host.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Host.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    public static string HostJson(
        int maxDequeueCount = 5, string visibilityTimeout = "00:00:00", int batchSize = 16, int newBatchThreshold = 8,
        string? functionTimeout = null, string lockRecovery = "00:00:01") =>
        $$"""
        {
          "version": "2.0",
          {{(functionTimeout is null ? string.Empty : $"\"functionTimeout\": \"{functionTimeout}\",")}}
          "extensions": { "queues": {
            "batchSize": {{batchSize}}, "newBatchThreshold": {{newBatchThreshold}}, "maxDequeueCount": {{maxDequeueCount}},
            "visibilityTimeout": "{{visibilityTimeout}}", "maxPollingInterval": "00:00:00.200" } },
          "singleton": { "listenerLockPeriod": "00:00:15", "listenerLockRecoveryPollingInterval": "{{lockRecovery}}" }
        }
        """;
}

/// <summary>What the test handlers saw, shared with the test through DI.</summary>
internal sealed class Recorder
{
    private int _concurrent;
    private int _maxConcurrent;

    public ConcurrentQueue<(QueueMessage Message, DateTimeOffset At)> Messages { get; } = new();

    public ConcurrentQueue<(TimerInfo Info, string Host)> TimerRuns { get; } = new();

    public SemaphoreSlim Gate { get; } = new(0);

    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Concurrent => Volatile.Read(ref _concurrent);

    public int MaxConcurrent => Volatile.Read(ref _maxConcurrent);

    public TimeSpan HandlerDelay { get; set; }

    public void Enter()
    {
        var now = Interlocked.Increment(ref _concurrent);
        int max;
        while (now > (max = Volatile.Read(ref _maxConcurrent)) && Interlocked.CompareExchange(ref _maxConcurrent, now, max) != max)
        {
        }
    }

    public void Leave() => Interlocked.Decrement(ref _concurrent);
}

internal sealed class RecordingHandler(Recorder recorder)
{
    [Function("Work")]
    public async Task Run([QueueTrigger("%WorkQueue%")] QueueMessage message, CancellationToken cancellationToken)
    {
        recorder.Messages.Enqueue((message, TimeProvider.System.GetUtcNow()));
        if (recorder.HandlerDelay > TimeSpan.Zero)
        {
            await Task.Delay(recorder.HandlerDelay, cancellationToken);
        }
    }
}

internal sealed class ThrowingHandler(Recorder recorder)
{
    [Function("Work")]
    public Task Run([QueueTrigger("%WorkQueue%")] QueueMessage message)
    {
        recorder.Messages.Enqueue((message, TimeProvider.System.GetUtcNow()));
        throw new InvalidOperationException("This handler always fails.");
    }
}

/// <summary>Blocks until the test opens the gate (or the host cancels it).</summary>
internal sealed class GatedHandler(Recorder recorder)
{
    [Function("Work")]
    public async Task Run([QueueTrigger("%WorkQueue%")] QueueMessage message, CancellationToken cancellationToken)
    {
        recorder.Messages.Enqueue((message, TimeProvider.System.GetUtcNow()));
        recorder.Enter();
        recorder.Started.TrySetResult();
        try
        {
            await recorder.Gate.WaitAsync(cancellationToken);
        }
        finally
        {
            recorder.Leave();
        }
    }
}

internal sealed class RecordingTimer(Recorder recorder, IConfiguration configuration)
{
    [Function("Tick")]
    public void Run([TimerTrigger("%TickSchedule%")] TimerInfo timer) => recorder.TimerRuns.Enqueue((timer, configuration["Test:HostName"] ?? "host"));
}

/// <summary>The same timer with RunOnStartup.</summary>
internal sealed class StartupTimer(Recorder recorder, IConfiguration configuration)
{
    [Function("Tick")]
    public void Run([TimerTrigger("%TickSchedule%", RunOnStartup = true)] TimerInfo timer) => recorder.TimerRuns.Enqueue((timer, configuration["Test:HostName"] ?? "host"));
}

/// <summary>A queue function whose queue setting nobody set.</summary>
internal sealed class UnboundHandler
{
    [Function("Work")]
    public void Run([QueueTrigger("%MissingQueueSetting%")] string body) => _ = body;
}

/// <summary>What Azure binds for a timer, read the way the tests compare occurrences.</summary>
internal static class TimerInfoExtensions
{
    /// <summary>The occurrence this run is for: the schedule status's Next, as stored before the run.</summary>
    public static DateTimeOffset ScheduledTime(this TimerInfo info) => new(DateTime.SpecifyKind(info.ScheduleStatus!.Next, DateTimeKind.Utc));

    public static DateTimeOffset LastOccurrence(this TimerInfo info) => new(DateTime.SpecifyKind(info.ScheduleStatus!.Last, DateTimeKind.Utc));
}

/// <summary>A clock that runs with real time and can be moved forward at once, as the demo clock is.</summary>
internal sealed class JumpingClock : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    public void Jump(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}

/// <summary>Keeps every log entry at or above a level (with its category), for tests that assert what was logged.</summary>
internal sealed class CapturingLogger(LogLevel minimum) : ILoggerProvider
{
    public ConcurrentQueue<(LogLevel Level, string Category, string Message)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName, minimum);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLogger owner, string category, LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Entries.Enqueue((logLevel, category, formatter(state, exception)));
            }
        }
    }
}

internal static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string because)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"Timed out after {timeout.TotalSeconds}s waiting until {because}.");
            }

            await Task.Delay(50);
        }
    }

    public static Task TrueAsync(Func<bool> condition, TimeSpan timeout, string because) =>
        TrueAsync(() => Task.FromResult(condition()), timeout, because);
}
