using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Wmo.AzureStorage;
using Wmo.Functions.Runtime;

// Queue throughput: the project's raw client (send + receive + delete) versus the same messages consumed through
// the trigger runtime with an empty handler. Both run in this process against the same Azurite, round by round,
// so machine drift affects both alike; the figure that matters is the ratio. Usage (see ./wmo bench):
//   Wmo.Benchmarks queue --storage <connection string> [--messages 2000] [--rounds 3] [--output DIR]
internal static class QueueBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = BenchmarkOptions.Parse(args);
        if (options.Storage is null)
        {
            throw new ArgumentException("--storage <connection string> is required for the queue benchmark");
        }

        var storage = StorageClients.FromConnectionString(options.Storage);
        Console.WriteLine($"Queue benchmark: {options.Messages} messages per round, {options.Rounds} rounds (+1 warm-up), {Environment.ProcessorCount} cores");

        var raw = new List<double>();
        var trigger = new List<double>();
        for (var round = 0; round <= options.Rounds; round++)
        {
            var r = await Scenarios.RawClientAsync(storage, options.Messages);
            var t = await Scenarios.TriggerRuntimeAsync(options.Storage, options.Messages);
            if (round == 0)
            {
                Console.WriteLine($"warm-up: raw {r:F0} msg/s, trigger {t:F0} msg/s");
                continue;
            }

            raw.Add(r);
            trigger.Add(t);
            Console.WriteLine($"round {round}: raw {r:F0} msg/s, trigger {t:F0} msg/s, ratio {t / r:P0}");
        }

        var rawMedian = Median(raw);
        var triggerMedian = Median(trigger);
        var ratio = triggerMedian / rawMedian;
        Console.WriteLine();
        Console.WriteLine("| scenario (send + receive + delete)         | median msg/s | rounds");
        Console.WriteLine("|--------------------------------------------|-------------:|-------");
        Console.WriteLine($"| raw client (batch 32, parallel deletes)    | {rawMedian,12:F0} | {string.Join(", ", raw.Select(v => v.ToString("F0", CultureInfo.InvariantCulture)))}");
        Console.WriteLine($"| queue trigger, empty handler (host.json)   | {triggerMedian,12:F0} | {string.Join(", ", trigger.Select(v => v.ToString("F0", CultureInfo.InvariantCulture)))}");
        Console.WriteLine($"| ratio trigger / raw                        | {ratio,12:P0} | target ≥ 70%");

        if (options.Output is { } dir)
        {
            Directory.CreateDirectory(dir);
            var path = Path.Combine(dir, "queue-trigger.json");
            await File.WriteAllTextAsync(path, JsonSerializer.Serialize(new
            {
                benchmark = "queue-trigger-vs-raw-client",
                measuredAt = TimeProvider.System.GetUtcNow(),
                machine = new { cores = Environment.ProcessorCount, os = System.Runtime.InteropServices.RuntimeInformation.OSDescription, dotnet = Environment.Version.ToString() },
                messagesPerRound = options.Messages,
                rawMessagesPerSecond = raw,
                triggerMessagesPerSecond = trigger,
                rawMedian,
                triggerMedian,
                ratio,
                target = 0.70,
            }, new JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine($"results written to {path}");
        }

        return ratio >= 0.70 ? 0 : 1;
    }

    internal static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}

internal sealed record BenchmarkOptions(string? Storage, int Messages, int Rounds, string? Output)
{
    public static BenchmarkOptions Parse(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var storage = Value("--storage") ?? Environment.GetEnvironmentVariable("AzureWebJobsStorage");
        return new BenchmarkOptions(
            storage,
            int.Parse(Value("--messages") ?? "2000", CultureInfo.InvariantCulture),
            int.Parse(Value("--rounds") ?? "3", CultureInfo.InvariantCulture),
            Value("--output"));
    }
}

internal static class Scenarios
{
    private const int SendConcurrency = 16;

    /// <summary>Sends with 16 concurrent senders while one consumer receives batches of 32 and deletes them in parallel.</summary>
    public static async Task<double> RawClientAsync(StorageClients storage, int count)
    {
        var queue = storage.GetQueue("bench-raw-" + Guid.NewGuid().ToString("N")[..8]);
        await queue.CreateIfNotExistsAsync();
        var clock = Stopwatch.StartNew();
        var send = SendAsync(queue, count);
        var consumed = 0;
        while (consumed < count)
        {
            var batch = await queue.ReceiveAsync(32, TimeSpan.FromMinutes(1));
            if (batch.Length == 0)
            {
                await Task.Delay(10);
                continue;
            }

            await Task.WhenAll(batch.Select(m => queue.DeleteMessageAsync(m.MessageId, m.PopReceipt)));
            consumed += batch.Length;
        }

        await send;
        var rate = count / clock.Elapsed.TotalSeconds;
        await queue.DeleteIfExistsAsync();
        return rate;
    }

    /// <summary>The same sending, consumed by the trigger runtime (repository host.json) with an empty handler.</summary>
    public static async Task<double> TriggerRuntimeAsync(string connection, int count)
    {
        var queueName = "bench-trigger-" + Guid.NewGuid().ToString("N")[..8];
        var counter = new Counter();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = connection,
            ["BenchQueue"] = queueName,
            ["Runtime:HostId"] = "bench-" + Guid.NewGuid().ToString("N")[..8],
        });
        builder.Logging.AddFilter(_ => false);
        builder.Services.AddSingleton(counter);
        builder.Services.AddFunctionsRuntime(builder.Configuration, Path.Combine(AppContext.BaseDirectory, "host.json"))
            .AddFunction<EmptyFunction>();
        using var host = builder.Build();
        var storage = host.Services.GetRequiredService<StorageClients>();
        var queue = storage.GetQueue(queueName);
        await queue.CreateIfNotExistsAsync();
        await host.StartAsync();

        var clock = Stopwatch.StartNew();
        await SendAsync(queue, count);
        var sent = clock.Elapsed;
        await counter.WaitForAsync(count);
        var handled = clock.Elapsed;
        // Handled is not done: the runtime deletes after the handler returns. Wait for the queue to drain.
        while (await queue.GetApproximateCountAsync() > 0)
        {
            await Task.Delay(5);
        }

        var rate = count / clock.Elapsed.TotalSeconds;
        if (Environment.GetEnvironmentVariable("WMO_BENCH_TRACE") == "1")
        {
            Console.WriteLine($"  trigger: sent {sent.TotalSeconds:F1}s, handled {handled.TotalSeconds:F1}s, drained {clock.Elapsed.TotalSeconds:F1}s");
        }

        await host.StopAsync();
        await queue.DeleteIfExistsAsync();
        return rate;
    }

    private static async Task SendAsync(QueueClient queue, int count)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, SendConcurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < count)
            {
                await queue.SendAsync("""{"berichtId":"00000000-0000-0000-0000-000000000000","blob":"berichten/0363/2026/11/22/x.xml"}""");
            }
        }));
    }
}

internal sealed class Counter
{
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _count;
    private int _target = int.MaxValue;

    public void Increment()
    {
        if (Interlocked.Increment(ref _count) >= Volatile.Read(ref _target))
        {
            _reached.TrySetResult();
        }
    }

    public Task WaitForAsync(int target)
    {
        Volatile.Write(ref _target, target);
        if (Volatile.Read(ref _count) >= target)
        {
            _reached.TrySetResult();
        }

        return _reached.Task;
    }
}

internal sealed class EmptyFunction(Counter counter)
{
    [Microsoft.Azure.Functions.Worker.Function("Bench")]
    public void Run([Microsoft.Azure.Functions.Worker.QueueTrigger("%BenchQueue%")] Azure.Storage.Queues.Models.QueueMessage message) => counter.Increment();
}
