using System.Globalization;
using System.Text;
using Wmo.AzureStorage;
using Wmo.Hub.Cak;
using Wmo.Hub.Chain;
using Wmo.Hub.Detection;
using Wmo.Messages.Model;
using Wmo.Testing;

namespace Wmo.Hub.Tests;

/// <summary>
/// The scan against a reference: generated trajectories (late and missing 305/307, corrections, re-sent 301s,
/// retroactive toewijzingen, the CAK accepting, rejecting or staying silent on starts and stops, each start policy)
/// are played day by day through six months of 2025; every morning the real scan runs, and its open alerts (rule,
/// subject, months, cents, severity) must equal what <see cref="ReferenceDetector"/> computes from the ledger alone.
/// </summary>
public sealed class DifferentialDetectionTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly string[] Compared = ["R1", "R2", "R3-305", "R3-307", "R6", "R8"];
    private static readonly DateOnly First = new(2025, 1, 1);
    private static readonly DateOnly Last = new(2025, 6, 30);

    private readonly StorageClients _storage = azurite.CreateClient();

    private enum CakMode { AcceptSoon, AcceptLate, Reject, Silent }

    /// <summary>One client's plan: what happens on which day.</summary>
    private sealed class Trajectory(int n, HubHarness hub, HubHarness.Client client, CakMode starts, CakMode stops, int cakDelay)
    {
        public int N => n;

        public HubHarness Hub => hub;

        public HubHarness.Client Client => client;

        public StringBuilder Log { get; } = new();

        public string Description => Log.ToString();

        public CakMode Starts => starts;

        public CakMode Stops => stops;

        public int CakDelay => cakDelay;

        public SortedDictionary<DateOnly, List<Func<Task>>> Steps { get; } = [];

        public void On(DateOnly day, Func<Task> step)
        {
            if (day < First || day > Last)
            {
                return;
            }

            (Steps.TryGetValue(day, out var list) ? list : Steps[day] = []).Add(step);
        }
    }

    [Fact]
    public async Task The_scans_open_alerts_equal_a_reference_recomputed_from_the_ledger_every_day_for_two_hundred_and_ten_trajectories()
    {
        var random = new Random(20251202);
        var hubs = new[]
        {
            new HubHarness(_storage, First), // start on the 305, stop on the 307 (the default)
            new HubHarness(_storage, First, CakPolicies.Read("Toewijzing", null, null, null, CakPolicy.Default)),
            new HubHarness(_storage, First, CakPolicies.Read("Declaratie", null, null, null, CakPolicy.Default)),
        };
        var trajectories = Enumerable.Range(0, 210).Select(n => Generate(n, hubs[n % 3], random)).ToList();
        var byPerson = trajectories.ToDictionary(t => t.Client.PersonId);
        var maxSeverity = new Dictionary<(string Rule, string Subject), string>();
        // The ledger changes only when something is routed for the person: read it again only then.
        var states = new System.Collections.Concurrent.ConcurrentDictionary<string, ChainState?>();
        async Task<ChainState?> StateAsync(Trajectory t) =>
            states.TryGetValue(t.Client.PersonId, out var state) ? state : states[t.Client.PersonId] = await t.Hub.Ledger.GetStateAsync(t.Client.PersonId);

        for (var day = First; day <= Last; day = day.AddDays(1))
        {
            // 06:00: the daily scan, then the comparison.
            var today = day;
            var scanned = new List<Dictionary<(string Rule, string Subject), ExpectedAlert>>();
            foreach (var hub in hubs)
            {
                await hub.ScanAsync(today);
                // No alert is acknowledged here, so "not resolved" is "open" (a server-side filter: the list grows daily).
                scanned.Add((await hub.AlertsAsync(status: AlertStatus.Open)).Where(a => Compared.Contains(a.Rule))
                    .ToDictionary(a => (a.Rule, a.Subject), a => new ExpectedAlert(a.Rule, a.Subject, a.MonthsAtRisk, a.AmountAtRiskCents, a.Severity, a.Unconfirmed)));
            }

            foreach (var t in trajectories)
            {
                await StateAsync(t);
            }

            for (var h = 0; h < hubs.Length; h++)
            {
                var hub = hubs[h];
                var expected = new Dictionary<(string, string), ExpectedAlert>();
                foreach (var t in trajectories.Where(t => t.Hub == hub && states[t.Client.PersonId] is not null))
                {
                    foreach (var e in ReferenceDetector.Evaluate(t.Client.PersonId, states[t.Client.PersonId]!, hub.Cak.Policies.For(hub.Gemeente), hub.Cak.Tariffs, day, hub.Detection.StackThreshold))
                    {
                        // An alert never de-escalates while it exists, resolved and raised again included (Alerts.RaiseAsync).
                        var key = (e.Rule, e.Subject);
                        var severity = maxSeverity.TryGetValue(key, out var s) && AlertSeverity.Rank(s) > AlertSeverity.Rank(e.Severity) ? s : e.Severity;
                        maxSeverity[key] = severity;
                        expected[key] = e with { Severity = severity };
                    }
                }

                if (!expected.OrderBy(e => e.Key).SequenceEqual(scanned[h].OrderBy(a => a.Key)))
                {
                    Assert.Fail(Difference(day, expected, scanned[h], byPerson));
                }
            }

            // 10:00 the parties' messages, 15:00 the CAK's answers.
            foreach (var hub in hubs)
            {
                hub.Clock.At(day, 10);
            }

            foreach (var t in trajectories.Where(t => t.Steps.ContainsKey(today)))
            {
                foreach (var step in t.Steps[today])
                {
                    await step();
                }

                states.TryRemove(t.Client.PersonId, out var _);
            }

            foreach (var hub in hubs)
            {
                hub.Clock.At(day, 15);
            }

            foreach (var t in trajectories)
            {
                if (await AnswerCakAsync(t, await StateAsync(t), today))
                {
                    states.TryRemove(t.Client.PersonId, out var _);
                }
            }
        }

        // The trajectories did reach every rule compared here (a differential test of nothing proves nothing).
        foreach (var rule in Compared)
        {
            Assert.Contains(maxSeverity.Keys, k => k.Rule == rule);
        }
    }

    /// <summary>The CAK answers WMO405s that waited the trajectory's delay: accept, reject (C001) or stay silent.</summary>
    private static async Task<bool> AnswerCakAsync(Trajectory t, ChainState? state, DateOnly day)
    {
        if (state is null)
        {
            return false;
        }

        var due = state.Cak.Any(c => (c.Status == CakPeriodState.Sent && Ready(c.SentOn, t.Starts))
            || (c.StopStatus == CakPeriodState.Sent && c.MessageId != c.StopMessageId && Ready(c.StopSentOn!.Value, t.Stops)));
        if (!due)
        {
            return false;
        }

        // A WMO405 that carried a start gets the start's answer; one that carried only a stop, the stop's.
        var startWaiting = state.Cak.Any(c => c.Status == CakPeriodState.Sent && Ready(c.SentOn, t.Starts));
        var mode = startWaiting ? t.Starts : t.Stops;
        await t.Hub.AnswerCakAsync(t.Client.PersonId, mode == CakMode.Reject ? "C001" : null);
        return true;

        bool Ready(DateTimeOffset sent, CakMode m) => m switch
        {
            CakMode.Silent => false,
            CakMode.AcceptLate => Wmo.Messages.DutchTime.DateOf(sent).AddDays(t.CakDelay) <= day,
            _ => Wmo.Messages.DutchTime.DateOf(sent).AddDays(1) <= day,
        };
    }

    private static Trajectory Generate(int n, HubHarness hub, Random random)
    {
        var client = hub.NewClient();
        var ingang = new DateOnly(2025, 1, 2).AddDays(random.Next(0, 110));
        var received = ingang.AddDays(random.Next(4) switch { 0 => -7, 1 => 0, 2 => 3, _ => random.Next(20, 75) }); // last: retroactive
        received = received < First ? First : received;
        DateOnly? einde = random.NextDouble() < 0.45 ? ingang.AddDays(random.Next(25, 100)) : null;
        var starts = (CakMode)random.Next(4);
        var stops = (CakMode)random.Next(4);
        var delay = random.Next(25, 110);
        var hulpmiddel = random.NextDouble() < 0.1;
        var t = new Trajectory(n, hub, client, starts, stops, delay);
        var d = t.Log.Append(CultureInfo.InvariantCulture, $"#{n} {hub.Cak.Policies.For(hub.Gemeente).Start}: toewijzing {ingang:yyyy-MM-dd}..{einde:yyyy-MM-dd} received {received:yyyy-MM-dd}");
        if (hulpmiddel)
        {
            d.Append(" hulpmiddel");
        }

        var nummer = 1000 + n;
        t.On(received, () => client.ToewijzingAsync(nummer, ingang, einde, hulpmiddel ? "11" : "02", hulpmiddel ? 6000 : null, toegewezen: received));
        if (random.NextDouble() < 0.2)
        {
            var again = received.AddDays(random.Next(2, 30));
            d.Append(CultureInfo.InvariantCulture, $"; 301 repeated {again:yyyy-MM-dd}");
            t.On(again, () => client.ToewijzingAsync(nummer, ingang, einde, hulpmiddel ? "11" : "02", hulpmiddel ? 6000 : null, toegewezen: received));
        }

        DateOnly? begin = null;
        if (random.NextDouble() < 0.75)
        {
            begin = ingang.AddDays(random.Next(0, 4));
            var reported = Max(received, begin.Value).AddDays(random.Next(5) switch { 0 => 1, 1 => 4, 2 => 9, 3 => 30, _ => 70 });
            d.Append(CultureInfo.InvariantCulture, $"; 305 {begin:yyyy-MM-dd} on {reported:yyyy-MM-dd}");
            var b = begin.Value;
            t.On(reported, () => client.StartAsync(nummer, b));
            if (random.NextDouble() < 0.12)
            {
                // A correction: delete the start (StatusAanlevering 3) and report the right date (IV008).
                var corrected = b.AddDays(random.Next(1, 6));
                var on = reported.AddDays(random.Next(1, 15));
                d.Append(CultureInfo.InvariantCulture, $"; corrected to {corrected:yyyy-MM-dd} on {on:yyyy-MM-dd}");
                t.On(on, async () =>
                {
                    await t.Hub.RouteAsync(new ChainMessages(hub.Gemeente, client.Aanbieder, client.Bsn, t.Hub.Today).Start(nummer, b, "3"));
                    await client.StartAsync(nummer, corrected);
                });
                begin = corrected;
                reported = on;
            }

            var stopEnd = einde ?? (random.NextDouble() < 0.25 ? b.AddDays(random.Next(30, 80)) : (DateOnly?)null);
            if (stopEnd is { } end && end > begin && random.NextDouble() < 0.7)
            {
                var stopOn = Max(end, reported).AddDays(random.Next(3) switch { 0 => 2, 1 => 12, _ => 45 });
                d.Append(CultureInfo.InvariantCulture, $"; 307 {end:yyyy-MM-dd} on {stopOn:yyyy-MM-dd}");
                var startDate = begin.Value;
                t.On(stopOn, () => client.StopAsync(nummer, startDate, end));
            }

            if (hub.Cak.Policies.For(hub.Gemeente).Start == StartMoment.Declaratie && random.NextDouble() < 0.8)
            {
                var from = begin.Value;
                var to = new DateOnly(from.Year, from.Month, 1).AddMonths(1).AddDays(-1);
                var declared = to.AddDays(random.Next(3, 50));
                d.Append(CultureInfo.InvariantCulture, $"; 323 {from:yyyy-MM-dd}..{to:yyyy-MM-dd} on {declared:yyyy-MM-dd}");
                t.On(declared, () => t.Hub.RouteAsync(new ChainMessages(hub.Gemeente, client.Aanbieder, client.Bsn, t.Hub.Today).Declaratie(nummer, from, to)));
            }
        }

        d.Append(CultureInfo.InvariantCulture, $"; CAK starts {starts}, stops {stops}, delay {delay}");
        return t;
    }

    private static DateOnly Max(DateOnly a, DateOnly b) => a > b ? a : b;

    private static string Difference(DateOnly day, Dictionary<(string, string), ExpectedAlert> expected, Dictionary<(string, string), ExpectedAlert> actual,
        Dictionary<string, Trajectory> byPerson)
    {
        var lines = new List<string> { $"On {day:yyyy-MM-dd} the scan and the reference differ:" };
        foreach (var key in expected.Keys.Union(actual.Keys).Order())
        {
            expected.TryGetValue(key, out var e);
            actual.TryGetValue(key, out var a);
            if (e != a)
            {
                var person = key.Item2.Split('|')[0];
                lines.Add($"  {key.Item1} {key.Item2}: reference {e?.ToString() ?? "none"}, scan {a?.ToString() ?? "none"}");
                lines.Add($"    trajectory {(byPerson.TryGetValue(person, out var t) ? t.Description : "?")}");
            }
        }

        return string.Join('\n', lines.Take(40));
    }
}
