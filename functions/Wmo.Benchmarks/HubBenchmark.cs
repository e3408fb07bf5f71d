using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Wmo.AzureStorage;
using Wmo.Cli;
using Wmo.Messages.Model;

// Hub throughput end to end: 16 concurrent senders post WMO305 start messages to a running host (started by
// ./wmo bench hub against its own Azurite); the figure is the time from the first post until every start is in its
// gemeente's mailbox and the ledger, and the intake latency of each post. The toewijzingen they refer to are posted
// and routed first, unmeasured. The baseline is the raw queue round trip (send + receive + delete) on the same
// Azurite, in the same run. Usage:
//   Wmo.Benchmarks hub --url URL --storage CONN [--clients 3000] [--senders 16] [--output DIR]
internal static class HubBenchmark
{
    private const string MailboxTable = "postbus";

    public static async Task<int> RunAsync(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var url = Value("--url") ?? throw new ArgumentException("--url of the running host is required");
        var connection = Value("--storage") ?? throw new ArgumentException("--storage <connection string> is required");
        var clients = int.Parse(Value("--clients") ?? "3000", CultureInfo.InvariantCulture);
        var senders = int.Parse(Value("--senders") ?? "16", CultureInfo.InvariantCulture);
        var output = Value("--output");

        var storage = StorageClients.FromConnectionString(connection);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = senders * 2 }) { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(1) };
        var today = Wmo.Messages.DutchTime.Today(TimeProvider.System);
        var traffic = DemoTraffic.Generate(clients, seed: Environment.TickCount, today).ToList();
        var toewijzingen = traffic.Where(t => t.Message is Wmo301).ToList();
        var starts = traffic.Where(t => t.Message is Wmo305).ToList();
        Console.WriteLine($"Hub benchmark: {starts.Count} WMO305 from {senders} concurrent senders ({toewijzingen.Count} WMO301 routed first), {Environment.ProcessorCount} cores");

        var baseline = await Scenarios.RawClientAsync(storage, 2000);
        Console.WriteLine($"baseline: raw queue round trip {baseline:F0} msg/s");

        // Set-up, not measured: the toewijzingen the starts refer to, routed.
        await PostAllAsync(http, toewijzingen, senders, []);
        await WaitForMailboxAsync(storage, DemoTraffic.Aanbieders, toewijzingen.Count, TimeSpan.FromMinutes(10));
        Console.WriteLine("set-up: toewijzingen routed");

        var latencies = new ConcurrentBag<double>();
        var clock = Stopwatch.StartNew();
        await PostAllAsync(http, starts, senders, latencies);
        var intakeSeconds = clock.Elapsed.TotalSeconds;
        await WaitForMailboxAsync(storage, DemoTraffic.Gemeenten, starts.Count, TimeSpan.FromMinutes(10));
        var endToEndSeconds = clock.Elapsed.TotalSeconds;
        var rerun = await Scenarios.RawClientAsync(storage, 2000);
        baseline = (baseline + rerun) / 2; // before and after, so drift during the run affects both sides

        var sorted = latencies.Order().ToList();
        double P(double q) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
        var throughput = starts.Count / endToEndSeconds;
        var ratio = throughput / baseline;
        Console.WriteLine();
        Console.WriteLine("| measure                                         | value        | target");
        Console.WriteLine("|-------------------------------------------------|-------------:|-------");
        Console.WriteLine($"| end to end WMO305 (intake → mailbox + ledger)    | {throughput,8:F0} msg/s | ≥ 300 msg/s");
        Console.WriteLine($"| intake alone                                    | {starts.Count / intakeSeconds,8:F0} msg/s |");
        Console.WriteLine($"| intake latency p50 ({senders} senders)               | {P(0.50),9:F1} ms |");
        Console.WriteLine($"| intake latency p99 ({senders} senders)               | {P(0.99),9:F1} ms | < 100 ms");
        Console.WriteLine($"| raw queue round trip (baseline, same Azurite)   | {baseline,8:F0} msg/s |");
        Console.WriteLine($"| end to end / raw queue round trip               | {ratio,12:P0} | ≥ 50%");

        if (output is not null)
        {
            Directory.CreateDirectory(output);
            var path = Path.Combine(output, "hub.json");
            await File.WriteAllTextAsync(path, JsonSerializer.Serialize(new
            {
                messages = starts.Count, senders, endToEndPerSecond = throughput, intakePerSecond = starts.Count / intakeSeconds,
                intakeP50Ms = P(0.50), intakeP99Ms = P(0.99), rawQueuePerSecond = baseline, ratio, cores = Environment.ProcessorCount,
            }, new JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine($"written: {path}");
        }

        return throughput >= 300 && P(0.99) < 100 && ratio >= 0.5 ? 0 : 1;
    }

    private static async Task PostAllAsync(HttpClient http, List<(string Sender, IIwmoMessage Message)> messages, int senders, ConcurrentBag<double> latencies)
    {
        var bodies = messages.Select(m => (Key: DemoTraffic.KeyFor(m.Sender), Xml: Xml(m.Message))).ToList();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, senders).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < bodies.Count)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/berichten") { Content = new ByteArrayContent(bodies[i].Xml) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/xml");
                request.Headers.Add("X-Api-Key", bodies[i].Key);
                var started = Stopwatch.GetTimestamp();
                using var response = await http.SendAsync(request);
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    throw new InvalidOperationException($"intake answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                }
            }
        })));
    }

    private static byte[] Xml(IIwmoMessage message)
    {
        var doc = IwmoXml.Write(message);
        return Encoding.UTF8.GetBytes(doc.Declaration + doc.ToString(System.Xml.Linq.SaveOptions.DisableFormatting));
    }

    /// <summary>Waits until the parties' mailboxes hold <paramref name="expected"/> unread items (the run's only mail).</summary>
    private static async Task WaitForMailboxAsync(StorageClients storage, IEnumerable<string> parties, int expected, TimeSpan timeout)
    {
        var table = storage.GetTable(MailboxTable);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            var count = 0;
            foreach (var party in parties)
            {
                string? continuation = null;
                do
                {
                    var page = await table.QueryPageAsync(
                        TableFilter.And(TableFilter.PartitionKeyEquals(party), TableFilter.GreaterThanOrEqual("RowKey", "u|"), TableFilter.LessThan("RowKey", "u}")),
                        1000, continuation, select: ["RowKey"]);
                    count += page.Entities.Count;
                    continuation = page.Continuation;
                }
                while (continuation is not null);
            }

            if (count >= expected)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Not every message arrived within {timeout}.");
    }
}
