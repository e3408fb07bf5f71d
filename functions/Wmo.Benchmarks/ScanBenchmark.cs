using System.Diagnostics;
using System.Globalization;
using Azure.Data.Tables;
using Wmo.AzureStorage;
using Wmo.Cli;
using Wmo.Hub;
using Wmo.Hub.Cak;
using Wmo.Hub.Chain;
using Wmo.Hub.Detection;
using Wmo.Messages.Model;


/// <summary>
/// The detection scan against a large ledger (issue: cost follows due items, not the ledger's size). The ledger is
/// filled with trajectories from the synthetic traffic generator, applied with the real chain rules and imported as
/// routing would have left them (through intake it would take hours); a trajectory is due when its start is missing.
/// Three cases in one run, each scanned twice (the first scan raises, the repeat updates):
///   A: the small ledger (default 100,000) with every n-th trajectory due (default 20: 5 %);
///   B: the ledger grown to the large size (default 1,000,000) with the same due items: about A's time;
///   C: the large ledger with every n-th of it due (50,000 by default): under 60 seconds is the target.
/// Usage: Wmo.Benchmarks scan --storage CONN [--large-storage CONN] [--reuse] [--probe] [--small 100000] [--large 1000000] [--due-every 20] [--parallel 16] [--output DIR]
/// --large-storage: B and C run on a second Azurite holding the whole large ledger (A's stays small).
/// --reuse: ledger ranges an earlier run loaded into the same (still running) Azurite are not written again; the
/// deadlines and alerts are always rebuilt, so each run starts from the same state. Loading a million trajectories
/// takes over an hour on Azurite, so this is how a change to the scan is measured more than once a day.
/// </summary>
internal static class ScanBenchmark
{
    private const int ArrivalDays = 10; // C's toewijzingen arrive over ten days, as traffic does

    public static async Task<int> RunAsync(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var connection = Value("--storage") ?? throw new ArgumentException("--storage <connection string> is required");
        var small = int.Parse(Value("--small") ?? "100000", CultureInfo.InvariantCulture);
        var large = int.Parse(Value("--large") ?? "1000000", CultureInfo.InvariantCulture);
        var dueEvery = int.Parse(Value("--due-every") ?? "20", CultureInfo.InvariantCulture);
        var output = Value("--output");

        var largeConnection = Value("--large-storage");
        var reuse = args.Contains("--reuse");
        var parallel = int.Parse(Value("--parallel") ?? "16", CultureInfo.InvariantCulture);

        var today = Wmo.Messages.DutchTime.Today(TimeProvider.System);
        var asOf = today.AddDays(1);
        var arrival = asOf.AddDays(1);
        var calendar = new WorkingDays();
        var asOfC = calendar.AddWorkingDays(arrival.AddDays(ArrivalDays - 1), 5);
        Console.WriteLine($"Scan benchmark: ledgers of {small:N0} and {large:N0} trajectories, {100.0 / dueEvery:F0} % due; {Environment.ProcessorCount} cores"
            + (largeConnection is null ? string.Empty : "; the large ledger in its own Azurite") + (reuse ? "; ledgers loaded by an earlier run are reused" : string.Empty));

        // Every client gets a start in the traffic; the due ones lose it when imported.
        IEnumerator<(Wmo301, Wmo305?)> Traffic() =>
            Clients(DemoTraffic.Generate(new TrafficProfile(large, Gemeenten: 342, Aanbieders: 2000, LateShare: 0.2, MissingShare: 0, StopShare: 0), today)).GetEnumerator();

        var first = await Setup.CreateAsync(connection, parallel, today, asOfC, reuse);
        var traffic = Traffic();
        var seedA = await first.ImportAsync(traffic, 0, small, dueEvery);
        Console.WriteLine($"loaded {small:N0} trajectories in {seedA.TotalSeconds:F0} s");
        var a = await MeasureAsync(first.Scanner, asOf, "A");

        // The large ledger: the same storage grown, or (--large-storage) its own, loaded with the first part too.
        var second = largeConnection is null ? null : await Setup.CreateAsync(largeConnection, parallel, today, asOfC, reuse);
        var grown = second ?? first;
        if (second is not null)
        {
            traffic.Dispose();
            traffic = Traffic();
            var again = await second.ImportAsync(traffic, 0, small, dueEvery);
            Console.WriteLine($"loaded {small:N0} trajectories into the large ledger in {again.TotalSeconds:F0} s");
        }

        // The rest of the large ledger. Its due trajectories come due after B's scan day, as new deadlines do in
        // production: their toewijzingen arrive over the ten days after it, so B sees A's due items only, and C, on
        // the 5th working day after the last arrival, sees them all.
        var seedB = await grown.ImportAsync(traffic, small, large, dueEvery, arrival);
        traffic.Dispose();
        Console.WriteLine($"loaded {large - small:N0} more trajectories in {seedB.TotalSeconds:F0} s");
        var b = await MeasureAsync(grown.Scanner, asOf, "B");
        if (args.Contains("--probe"))
        {
            // Where C's time goes: reading its due rows alone.
            var probe = Stopwatch.StartNew();
            var rows = 0;
            await foreach (var row in grown.Due.DueAsync(asOfC))
            {
                rows++;
            }

            Console.WriteLine($"probe: due query {rows:N0} rows in {probe.Elapsed.TotalSeconds:F2} s");
        }

        var c = await MeasureAsync(grown.Scanner, asOfC, "C");

        var report = string.Join(Environment.NewLine,
            $"Scan benchmark ({today:yyyy-MM-dd}, {Environment.ProcessorCount} cores, Azurite): seconds per scan; the first scan raises the alerts, the repeat (same day) finds them unchanged",
            "",
            "| case | trajectories in the ledger | due items | first scan (raises) | repeat, same day |",
            "|---|---|---|---|---|",
            $"| A | {small:N0} | {a.Due:N0} | {a.First:F1} s | {a.Repeat:F1} s |",
            $"| B | {large:N0} | {b.Due:N0} | {b.First:F1} s | {b.Repeat:F1} s |",
            $"| C | {large:N0} | {c.Due:N0} | {c.First:F1} s | {c.Repeat:F1} s |",
            "",
            $"B/A (same due items, {large / small}x the ledger): repeat scans {b.Repeat / a.Repeat:F2}"
            + (largeConnection is null ? " (B's first scan updates A's alerts, A's raises them)" : $", first scans {b.First / a.First:F2}")
            + $"; C: {c.Due / Math.Max(c.First, 0.001):F0} due items/s (target: 50,000 in < 60 s).");
        Console.WriteLine();
        Console.WriteLine(report);
        if (output is not null)
        {
            Directory.CreateDirectory(output);
            await File.WriteAllTextAsync(Path.Combine(output, "scan.md"), report + Environment.NewLine);
        }

        return 0;
    }

    private static async Task<(int Due, double First, double Repeat)> MeasureAsync(Scanner scanner, DateOnly asOf, string label)
    {
        var clock = Stopwatch.StartNew();
        var first = await scanner.ScanAsync(asOf);
        var firstSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var repeat = await scanner.ScanAsync(asOf);
        var repeatSeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"{label}: {first.Due:N0} due: first scan {firstSeconds:F1} s ({first.Raised:N0} raised), repeat {repeatSeconds:F1} s ({repeat.Raised:N0} updated)");
        return (first.Due, firstSeconds, repeatSeconds);
    }

    /// <summary>The generated traffic per client: its toewijzing and its start.</summary>
    private static IEnumerable<(Wmo301 Toewijzing, Wmo305? Start)> Clients(IEnumerable<(string Sender, IIwmoMessage Message)> traffic)
    {
        Wmo301? current = null;
        Wmo305? start = null;
        foreach (var (_, message) in traffic)
        {
            if (message is Wmo301 t)
            {
                if (current is not null)
                {
                    yield return (current, start);
                }

                (current, start) = (t, null);
            }
            else if (message is Wmo305 s)
            {
                start = s;
            }
        }

        if (current is not null)
        {
            yield return (current, start);
        }
    }

    /// <summary>
    /// One storage account with what a scan needs, and the importer that fills its ledger.
    /// </summary>
    /// <param name="horizon">
    /// Deadlines after it are not loaded: no scan of the benchmark reads them (the scan reads only the days up to its
    /// own), and Azurite's insert cost grows with the size of a partition, so a year of future deadlines (R6 rows
    /// crowd onto the first day of a month) would make loading a million trajectories take hours.
    /// </param>
    private sealed class Setup(StorageClients storage, LedgerStore ledger, DueIndex due, CakLeg cak, DetectionOptions detection, Scanner scanner, DateOnly today, DateOnly horizon, bool reuse)
    {
        private const int Parallel = 48;
        private const string LoadedPartition = "benchmark-loaded";

        public Scanner Scanner => scanner;

        public DueIndex Due => due;

        public static async Task<Setup> CreateAsync(string connection, int parallel, DateOnly today, DateOnly horizon, bool reuse)
        {
            var storage = StorageClients.FromConnectionString(connection);
            var ledger = new LedgerStore(storage, "benchmark-person-key");
            var due = new DueIndex(storage);
            var alerts = new Alerts(storage, TimeProvider.System);
            var tracking = new Tracking(storage, TimeProvider.System);
            if (reuse)
            {
                // Deadlines and alerts start over on every run; only the ledger is kept.
                await Task.WhenAll(storage.GetTable(DueIndex.TableName).DeleteAsync(), storage.GetTable(Alerts.TableName).DeleteAsync());
            }

            var cak = new CakLeg(new CakPolicies(new Dictionary<string, CakPolicy>()), Tariffs.With([]), "CAK", new CakOutbox(storage));
            var detection = new DetectionOptions(new WorkingDays(), ScanParallelism: parallel);
            await Task.WhenAll(ledger.EnsureTableAsync(), due.EnsureTableAsync(), alerts.EnsureTableAsync(), tracking.EnsureTableAsync());
            var scanner = new Scanner(due, ledger, tracking, alerts, cak, detection, TimeProvider.System);
            return new Setup(storage, ledger, due, cak, detection, scanner, today, horizon, reuse);
        }

        /// <summary>Imports clients [from, to) of the traffic. dueEvery: every n-th client has no start (0: none).</summary>
        /// <param name="arrival">When set, the due trajectories' toewijzingen arrive from this day on (over ten days).</param>
        public async Task<TimeSpan> ImportAsync(IEnumerator<(Wmo301 Toewijzing, Wmo305? Start)> traffic, int from, int to, int dueEvery, DateOnly? arrival = null)
        {
            var clock = Stopwatch.StartNew();
            var ledgerTable = storage.GetTable(LedgerStore.TableName);
            var range = FormattableString.Invariant($"{from}-{to}-{dueEvery}-{today:yyyyMMdd}");
            var statesLoaded = reuse && await ledgerTable.GetAsync(LoadedPartition, range) is not null;
            var rows = new List<(DueItem, byte[]?)>();
            using var gate = new SemaphoreSlim(Parallel);
            var pending = new List<Task>();
            for (var i = from; i < to && traffic.MoveNext(); i++)
            {
                var isDue = i % dueEvery == 0;
                var (toewijzing, start) = traffic.Current;
                if (isDue && arrival is { } first)
                {
                    var day = first.AddDays(i % ArrivalDays);
                    var product = toewijzing.Client.ToegewezenProducten[0] with { Toewijzingsdatum = day, Ingangsdatum = day, Einddatum = day.AddYears(1) };
                    toewijzing = toewijzing with
                    {
                        Header = toewijzing.Header with { BerichtIdentificatie = toewijzing.Header.BerichtIdentificatie with { Dagtekening = day } },
                        Client = toewijzing.Client with { ToegewezenProducten = [product] },
                    };
                }

                var bsn = toewijzing.Client.Bsn;
                var gemeente = toewijzing.Header.Afzender;
                var personId = ledger.PersonId(gemeente, bsn);
                var received = new DateTimeOffset(toewijzing.Header.BerichtIdentificatie.Dagtekening.ToDateTime(new TimeOnly(10, 0)), TimeSpan.Zero);
                var state = ChainLedger.Apply(ChainState.Empty(gemeente, bsn), toewijzing, bsn, Id(i, 1), received).State;
                if (!isDue && start is not null)
                {
                    state = ChainLedger.Apply(state, start, bsn, Id(i, 2), received.AddDays(3)).State;
                    // The CAK accepted the start long ago: no stack risk, no art. 2f deadline.
                    var policy = cak.Policies.For(gemeente);
                    state = state with
                    {
                        Cak = [.. EigenBijdragePlanner.Derive(state, policy, cak.Tariffs, today).Select(p =>
                            new CakPeriodState(p.Begindatum, p.Einddatum, p.Kostprijs, p.ProductCategorie, CakPeriodState.Accepted, Id(i, 3), received))],
                    };
                }

                // The deadlines carry the chain, as routing writes them.
                var deadlines = DueRules.For(personId, state, cak.Policies.For(gemeente), cak.Tariffs, detection.Calendar, today, detection.StackThreshold)
                    .Where(d => d.Due <= horizon).ToList();
                if (deadlines.Count > 0)
                {
                    var snapshot = LedgerStore.SerializeState(state);
                    rows.AddRange(deadlines.Select(d => (d, (byte[]?)snapshot)));
                }

                if (statesLoaded)
                {
                    continue;
                }

                await gate.WaitAsync();
                pending.Add(Task.Run(async () =>
                {
                    try
                    {
                        await ledger.ImportStateAsync(personId, state);
                    }
                    finally
                    {
                        gate.Release();
                    }
                }));
                if (pending.Count >= 10_000 || rows.Count >= 10_000)
                {
                    await Task.WhenAll(pending);
                    pending.Clear();
                    await due.ScheduleManyAsync(rows);
                    rows.Clear();
                    Console.Write($"\r  {i + 1 - from:N0} / {to - from:N0}");
                }
            }

            await Task.WhenAll(pending);
            if (rows.Count > 0)
            {
                Console.Write($"\r  {rows.Count:N0} deadlines to write after {clock.Elapsed.TotalSeconds:F0} s");
            }

            await due.ScheduleManyAsync(rows);
            if (!statesLoaded)
            {
                await ledgerTable.UpsertAsync(new TableEntity(LoadedPartition, range));
            }

            Console.WriteLine();
            return clock.Elapsed;
        }

        /// <summary>Message ids fixed per client, so a reused ledger and the deadlines rebuilt for it agree.</summary>
        private static Guid Id(int client, short n) => new(client, n, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }
}
