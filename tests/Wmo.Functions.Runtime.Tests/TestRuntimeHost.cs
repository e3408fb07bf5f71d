using System.Collections.Concurrent;
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
        IDictionary<string, string?>? settings = null)
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

    public ConcurrentQueue<(QueueTriggerMessage Message, DateTimeOffset At)> Messages { get; } = new();

    public ConcurrentQueue<(TimerTriggerInfo Info, string Host)> TimerRuns { get; } = new();

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

internal sealed class RecordingHandler(Recorder recorder) : IQueueHandler
{
    public async Task HandleAsync(QueueTriggerMessage message, CancellationToken cancellationToken)
    {
        recorder.Messages.Enqueue((message, TimeProvider.System.GetUtcNow()));
        if (recorder.HandlerDelay > TimeSpan.Zero)
        {
            await Task.Delay(recorder.HandlerDelay, cancellationToken);
        }
    }
}

internal sealed class ThrowingHandler(Recorder recorder) : IQueueHandler
{
    public Task HandleAsync(QueueTriggerMessage message, CancellationToken cancellationToken)
    {
        recorder.Messages.Enqueue((message, TimeProvider.System.GetUtcNow()));
        throw new InvalidOperationException("This handler always fails.");
    }
}

/// <summary>Blocks until the test opens the gate (or the host cancels it).</summary>
internal sealed class GatedHandler(Recorder recorder) : IQueueHandler
{
    public async Task HandleAsync(QueueTriggerMessage message, CancellationToken cancellationToken)
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

internal sealed class RecordingTimer(Recorder recorder, IConfiguration configuration) : ITimerHandler
{
    public Task RunAsync(TimerTriggerInfo timer, CancellationToken cancellationToken)
    {
        recorder.TimerRuns.Enqueue((timer, configuration["Test:HostName"] ?? "host"));
        return Task.CompletedTask;
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
