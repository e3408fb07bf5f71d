using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Wmo.AzureStorage;
using Wmo.Cli;
using Wmo.Hub.Cak;
using Wmo.Messages.Model;

// Hub throughput end to end, with the CAK leg: concurrent senders post WMO305 start messages to a running host
// (started by ./wmo bench hub against its own Azurite). A message is done when the start is in its gemeente's mailbox
// and every WMO405 it caused has left the CAK outbox for the CAK's mailbox. Measured in one run:
//   1. closed loop: 16 senders as fast as the host answers; throughput and intake latency at full load;
//   2. the host's storage operations during (1), read from its meter (/api/admin/storage-operations): count per
//      message, time and rows by function, service, operation and resource, and per message stage;
//   3. the replayed-mix baseline: the same operations (kinds, sizes, partition shapes, concurrency) sent with the raw
//      SDK clients and no product logic: what storage gives for this design;
//   4. open loop: new starts at a fixed rate (half of (1)), latency from each request's scheduled time;
//   5. the raw queue round trip (send + receive + delete), before and after, for comparison with earlier runs.
// The toewijzingen the starts refer to are posted and routed first, unmeasured. Usage:
//   Wmo.Benchmarks hub --url URL --storage CONN [--clients 3000] [--senders 16] [--rate N] [--admin-key K] [--output DIR]
internal static class HubBenchmark
{
    /// <summary>The end-to-end figure noted before this design (2,572 WMO305 with the CAK leg, 16 senders): the 5× target's base.</summary>
    private const double EarlierEndToEnd = 17;

    public static async Task<int> RunAsync(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var url = Value("--url") ?? throw new ArgumentException("--url of the running host is required");
        var connection = Value("--storage") ?? throw new ArgumentException("--storage <connection string> is required");
        var clients = int.Parse(Value("--clients") ?? "3000", CultureInfo.InvariantCulture);
        var senders = int.Parse(Value("--senders") ?? "16", CultureInfo.InvariantCulture);
        var adminKey = Value("--admin-key") ?? "demo-admin-key-0000";
        var fixedRate = Value("--rate") is { } r ? double.Parse(r, CultureInfo.InvariantCulture) : (double?)null;
        var output = Value("--output");

        var storage = StorageClients.FromConnectionString(connection);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(1) };
        var today = Wmo.Messages.DutchTime.Today(TimeProvider.System);
        var traffic = DemoTraffic.Generate(clients, seed: Environment.TickCount, today).ToList();
        var toewijzingen = traffic.Where(t => t.Message is Wmo301).ToList();
        var starts = traffic.Where(t => t.Message is Wmo305).ToList();
        // Two of three starts for the closed loop, the third for the open loop: each start is posted once.
        var closed = starts.Where((_, i) => i % 3 != 2).ToList();
        var open = starts.Where((_, i) => i % 3 == 2).ToList();
        Console.WriteLine($"Hub benchmark: {closed.Count} + {open.Count} WMO305 with the CAK leg, {senders} senders ({toewijzingen.Count} WMO301 routed first), {Environment.ProcessorCount} cores");

        var rawBefore = await Scenarios.RawClientAsync(storage, 2000);

        // Set-up, not measured: the toewijzingen the starts refer to, routed.
        await PostClosedLoopAsync(http, toewijzingen, senders, []);
        await WaitForMailboxAsync(storage, DemoTraffic.Aanbieders, toewijzingen.Count, TimeSpan.FromMinutes(15));
        await WaitForCakOutboxAsync(storage, TimeSpan.FromMinutes(5));
        Console.WriteLine("set-up: toewijzingen routed");

        // 1 + 2. Closed loop, metered.
        var before = await MeterAsync(http, adminKey);
        var latencies = new ConcurrentBag<double>();
        var clock = Stopwatch.StartNew();
        var startedOn = TimeProvider.System.GetUtcNow(); // the host's clock too (bench runs it without a demo clock)
        await PostClosedLoopAsync(http, closed, senders, latencies);
        var intakeSeconds = clock.Elapsed.TotalSeconds;
        // The end is the last delivery's own time (the host's clock, the same machine's), so the waiting can poll
        // rarely: a tight poll of the mailboxes would take Azurite's one thread from the host it measures.
        var lastStart = await WaitForMailboxAsync(storage, DemoTraffic.Gemeenten, closed.Count, TimeSpan.FromMinutes(15));
        await WaitForCakOutboxAsync(storage, TimeSpan.FromMinutes(15));
        var lastWmo405 = await LastDeliveryAsync(storage, Wmo.Hub.Routing.Cak);
        var endToEndSeconds = ((lastStart > lastWmo405 ? lastStart : lastWmo405) - startedOn).TotalSeconds;
        var operations = StorageMix.Difference(await MeterAsync(http, adminKey), before);
        var throughput = closed.Count / endToEndSeconds;
        var full = Percentiles.Of(latencies);

        var mix = new StorageMix(operations, closed.Count);
        mix.Print(Console.Out);

        // 3. What storage gives for this mix.
        var replay = await StorageReplay.RunAsync(storage, mix, Math.Min(closed.Count, 1500), senders);
        Console.WriteLine($"replayed mix: {replay.MessagesPerSecond:F0} msg/s ({replay.OperationsPerSecond:F0} storage operations/s, {replay.Messages} messages, {senders} workers)");

        // 4. Open loop at half the measured maximum.
        var rate = fixedRate ?? Math.Max(1, throughput / 2);
        var slow = new ConcurrentBag<(double DueSeconds, double Ms)>();
        var openLatencies = await PostOpenLoopAsync(http, open, rate, slow);
        await WaitForMailboxAsync(storage, DemoTraffic.Gemeenten, closed.Count + open.Count, TimeSpan.FromMinutes(15));
        var atRate = Percentiles.Of(openLatencies);
        // Where in the run the slow requests were: spread evenly (queueing) or together (a pause of everything).
        Console.WriteLine($"open loop: {slow.Count} of {open.Count} requests over 100 ms; sent at (s into the run, latency ms): "
            + string.Join(", ", slow.OrderBy(x => x.DueSeconds).Select(x => $"{x.DueSeconds:F1} ({x.Ms:F0})")));

        var rawAfter = await Scenarios.RawClientAsync(storage, 2000);
        var raw = (rawBefore + rawAfter) / 2; // before and after, so drift during the run affects both sides

        var ofReplay = throughput / replay.MessagesPerSecond;
        var ofEarlier = throughput / EarlierEndToEnd;
        static void Row(string measure, string value, string target = "") => Console.WriteLine($"| {measure,-56} | {value,15} | {target}");
        Console.WriteLine();
        Row("measure", "value", "target");
        Console.WriteLine($"|{new string('-', 58)}|{new string('-', 17)}|-------");
        Row("storage operations per routed WMO305 (all functions)", $"{mix.PerMessage:F1}", "≤ 8");
        Row($"end to end WMO305 with the CAK leg ({senders} senders)", $"{throughput:F1} msg/s", "≥ 85 msg/s");
        Row("replayed-mix baseline (same operations, raw SDK)", $"{replay.MessagesPerSecond:F1} msg/s");
        Row("end to end / replayed mix", $"{ofReplay:P0}", "≥ 60%");
        Row($"end to end / {EarlierEndToEnd} msg/s noted before", $"{ofEarlier:F1}×", "≥ 5×");
        Row("intake alone (closed loop)", $"{closed.Count / intakeSeconds:F1} msg/s");
        Row($"intake latency p50 / p99 at full load ({senders} senders)", $"{full.P50:F0} / {full.P99:F0} ms");
        Row($"intake latency p50 / p99, open loop at {rate:F1} msg/s", $"{atRate.P50:F0} / {atRate.P99:F0} ms", "p99 < 100 ms");
        Row("raw queue round trip (send+receive+delete, same Azurite)", $"{raw:F0} msg/s");

        if (output is not null)
        {
            Directory.CreateDirectory(output);
            var path = Path.Combine(output, "hub.json");
            await File.WriteAllTextAsync(path, JsonSerializer.Serialize(new
            {
                messages = closed.Count, openLoopMessages = open.Count, senders, cores = Environment.ProcessorCount,
                endToEndPerSecond = throughput, intakePerSecond = closed.Count / intakeSeconds,
                intakeP50Ms = full.P50, intakeP99Ms = full.P99, openLoopRate = rate, openLoopP50Ms = atRate.P50, openLoopP99Ms = atRate.P99,
                storageOperationsPerMessage = mix.PerMessage, replayedMixPerSecond = replay.MessagesPerSecond, ofReplayedMix = ofReplay, ofEarlier,
                rawQueuePerSecond = raw,
                operations = mix.Rows.Select(o => new { o.Kind.Phase, o.Kind.Service, o.Kind.Operation, o.Kind.Resource, o.Count, perMessage = (double)o.Count / closed.Count, o.TotalMs, o.Rows }),
            }, new JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine($"written: {path}");
        }

        return mix.PerMessage <= 8 && throughput >= 5 * EarlierEndToEnd && ofReplay >= 0.6 && atRate.P99 < 100 ? 0 : 1;
    }

    private static async Task<IReadOnlyList<StorageOperationStats>> MeterAsync(HttpClient http, string adminKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/admin/storage-operations");
        request.Headers.Add("X-Api-Key", adminKey);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return [.. body.GetProperty("operations").EnumerateArray().Select(o => new StorageOperationStats(
            new StorageOperationKind(o.GetProperty("phase").GetString()!, o.GetProperty("service").GetString()!, o.GetProperty("operation").GetString()!, o.GetProperty("resource").GetString()!),
            o.GetProperty("count").GetInt64(), o.GetProperty("failed").GetInt64(), o.GetProperty("totalMs").GetDouble(),
            o.GetProperty("requestBytes").GetInt64(), o.GetProperty("responseBytes").GetInt64(), o.GetProperty("rows").GetInt64()))];
    }

    private static async Task PostClosedLoopAsync(HttpClient http, List<(string Sender, IIwmoMessage Message)> messages, int senders, ConcurrentBag<double> latencies)
    {
        var bodies = messages.Select(m => (Key: DemoTraffic.KeyFor(m.Sender), Xml: Xml(m.Message))).ToList();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, senders).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < bodies.Count)
            {
                var started = Stopwatch.GetTimestamp();
                await PostAsync(http, bodies[i].Key, bodies[i].Xml);
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        })));
    }

    /// <summary>
    /// Posts at a fixed rate whatever the answers take (open loop): request n is due at n / rate, and its latency
    /// counts from then, so a stall shows in every request it delays (no coordinated omission).
    /// </summary>
    private static async Task<ConcurrentBag<double>> PostOpenLoopAsync(HttpClient http, List<(string Sender, IIwmoMessage Message)> messages, double rate,
        ConcurrentBag<(double DueSeconds, double Ms)> slow)
    {
        var bodies = messages.Select(m => (Key: DemoTraffic.KeyFor(m.Sender), Xml: Xml(m.Message))).ToList();
        var latencies = new ConcurrentBag<double>();
        var clock = Stopwatch.StartNew();
        var running = new List<Task>();
        for (var n = 0; n < bodies.Count; n++)
        {
            var due = TimeSpan.FromSeconds(n / rate);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            var body = bodies[n];
            running.Add(Task.Run(async () =>
            {
                await PostAsync(http, body.Key, body.Xml);
                var ms = (clock.Elapsed - due).TotalMilliseconds;
                latencies.Add(ms);
                if (ms > 100)
                {
                    slow.Add((due.TotalSeconds, ms));
                }
            }));
        }

        await Task.WhenAll(running);
        return latencies;
    }

    private static async Task PostAsync(HttpClient http, string key, byte[] xml)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/berichten") { Content = new ByteArrayContent(xml) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/xml");
        request.Headers.Add("X-Api-Key", key);
        using var response = await http.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"intake answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static byte[] Xml(IIwmoMessage message)
    {
        var doc = IwmoXml.Write(message);
        return Encoding.UTF8.GetBytes(doc.Declaration + doc.ToString(System.Xml.Linq.SaveOptions.DisableFormatting));
    }

    /// <summary>
    /// Waits until the parties' mailboxes hold <paramref name="expected"/> unread items (the run's only mail) and
    /// answers when the last of them was delivered.
    /// </summary>
    private static async Task<DateTimeOffset> WaitForMailboxAsync(StorageClients storage, IEnumerable<string> parties, int expected, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            var (count, last) = (0, DateTimeOffset.MinValue);
            foreach (var party in parties)
            {
                var (n, at) = await UnreadAsync(storage, party);
                (count, last) = (count + n, at > last ? at : last);
            }

            if (count >= expected)
            {
                return last;
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        throw new TimeoutException($"Not every message arrived within {timeout}.");
    }

    /// <summary>When the last item in a party's mailbox was delivered.</summary>
    private static async Task<DateTimeOffset> LastDeliveryAsync(StorageClients storage, string party) => (await UnreadAsync(storage, party)).Last;

    /// <summary>A party's unread items: how many, and the latest delivery time (in the listing row's key: u|ticks|id).</summary>
    private static async Task<(int Count, DateTimeOffset Last)> UnreadAsync(StorageClients storage, string party)
    {
        var table = storage.GetTable(Wmo.Hub.Mailboxes.TableName);
        var (count, last) = (0, 0L);
        string? continuation = null;
        do
        {
            var page = await table.QueryPageAsync(
                TableFilter.And(TableFilter.PartitionKeyEquals(party), TableFilter.GreaterThanOrEqual("RowKey", "u|"), TableFilter.LessThan("RowKey", "u}")),
                1000, continuation, select: ["RowKey"]);
            count += page.Entities.Count;
            last = page.Entities.Select(e => long.Parse(e.RowKey.AsSpan(2, 19), CultureInfo.InvariantCulture)).Append(last).Max();
            continuation = page.Continuation;
        }
        while (continuation is not null);
        return (count, new DateTimeOffset(last, TimeSpan.Zero));
    }

    /// <summary>Waits until the CAK outbox is empty: every WMO405 routing decided is in the CAK's mailbox.</summary>
    private static async Task WaitForCakOutboxAsync(StorageClients storage, TimeSpan timeout)
    {
        var outbox = new CakOutbox(storage);
        await outbox.EnsureTableAsync();
        var clock = Stopwatch.StartNew();
        while (await outbox.CountAsync() > 0)
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"The CAK outbox did not empty within {timeout}.");
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }
}

internal readonly record struct Percentiles(double P50, double P99)
{
    public static Percentiles Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        double P(double q) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
        return new Percentiles(P(0.50), P(0.99));
    }
}
