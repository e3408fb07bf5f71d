using System.Globalization;
using Wmo.Hub.Cak;
using Wmo.Hub.Chain;
using Wmo.Messages;
using Wmo.Messages.Retour;

namespace Wmo.Hub.Detection;

/// <summary>How the detection rules are tuned (domain.md §6; every threshold configurable).</summary>
/// <param name="StackThreshold">R1: months billed at once that make a stapelfactuur (warning at, critical beyond).</param>
/// <param name="RetroactiveCapMonths">R5: how many months back the CAK can still levy; unknown (null) by default, so R5 stays silent.</param>
/// <param name="ScanParallelism">How many persons the scan evaluates at once.</param>
public sealed record DetectionOptions(WorkingDays Calendar, int StackThreshold = 2, int? RetroactiveCapMonths = null, int ScanParallelism = 16);

/// <summary>What a scan did.</summary>
/// <param name="CriticalStacks">Critical stapelfactuur risks (R1) the scan saw: what Azure Monitor alerts on.</param>
public sealed record ScanResult(DateOnly AsOf, int Due, int Raised, int Resolved, int CriticalStacks = 0);

/// <summary>
/// The timer-driven detection (timer <c>DetectionScan</c>, <c>POST /api/admin/scan?asOf=</c>): reads the due index up to
/// the day, re-evaluates each deadline against the person's chain (the copy in its row, which <see cref="DeadlineSync"/>
/// keeps current; the ledger itself before a row is dropped or moved; for a retour deadline, the message's
/// tracking), raises or escalates the alert when it is missed, and resolves it (and drops the row) when the missing
/// message has arrived. Running it twice, or for the same day again, updates the same alerts: one per rule, subject
/// and period.
/// </summary>
public sealed class Scanner(DueIndex due, LedgerStore ledger, Tracking tracking, Alerts alerts, CakLeg cak, DetectionOptions options, TimeProvider time)
{
    private readonly DeadlineSync _deadlines = new(due, ledger, cak, options);

    public async Task<ScanResult> ScanAsync(DateOnly asOf, CancellationToken ct = default)
    {
        // Deadlines due after the last completed scan were never scanned: their alerts are new.
        var scannedUpTo = await due.LastScanAsync(ct);

        // A pipeline, so reading the due index, evaluating and writing overlap: the reader groups a person's
        // deadlines of one day (adjacent in the index) and hands each group on while it reads the next page;
        // persons are evaluated in parallel, since Azure Storage serves them from different partitions; alerts
        // raised for the first time are collected per gemeente and inserted 100 at a time as the batches fill.
        var groups = System.Threading.Channels.Channel.CreateBounded<List<DueRow>>(new System.Threading.Channels.BoundedChannelOptions(4 * options.ScanParallelism) { SingleWriter = true });
        var count = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct); // a failed evaluation stops the reader
        var reader = Task.Run(async () =>
        {
            try
            {
                List<DueRow>? group = null;
                await foreach (var row in due.DueAsync(asOf, stop.Token))
                {
                    count++;
                    var item = row.Item;
                    if (group is not null && (item.PersonId == DueRules.MessageSubject || group[0].Item.PersonId != item.PersonId || group[0].Item.Due != item.Due))
                    {
                        await groups.Writer.WriteAsync(group, stop.Token);
                        group = null;
                    }

                    (group ??= []).Add(row);
                }

                if (group is not null)
                {
                    await groups.Writer.WriteAsync(group, stop.Token);
                }

                groups.Writer.Complete();
            }
            catch (Exception ex)
            {
                groups.Writer.Complete(ex);
            }
        }, CancellationToken.None);

        int raised = 0, resolved = 0, critical = 0;
        var fresh = new FreshAlerts(alerts, options.ScanParallelism, ct);
        try
        {
            await Parallel.ForEachAsync(groups.Reader.ReadAllAsync(ct), new ParallelOptions { MaxDegreeOfParallelism = options.ScanParallelism, CancellationToken = ct }, async (rows, token) =>
            {
                var (r, s, c) = rows[0].Item.PersonId == DueRules.MessageSubject ? await ScanMessageAsync(rows[0], asOf, token) : await ScanPersonAsync(rows, asOf, scannedUpTo, fresh, token);
                Interlocked.Add(ref raised, r);
                Interlocked.Add(ref critical, c);
                Interlocked.Add(ref resolved, s);
            });
        }
        finally
        {
            await stop.CancelAsync();
            await reader;
        }

        var (freshCount, freshCritical) = await fresh.CompleteAsync();

        await due.RecordScanAsync(asOf, ct);
        return new ScanResult(asOf, count, raised + freshCount, resolved, critical + freshCritical);
    }

    /// <summary>
    /// Alerts the scan raises for the first time: collected per gemeente (the alert table's partition) and inserted
    /// in batches of 100 while the scan goes on, at most <c>parallelism</c> batches at once.
    /// </summary>
    private sealed class FreshAlerts(Alerts alerts, int parallelism, CancellationToken ct)
    {
        private const int BatchSize = 100;
        private readonly Dictionary<string, List<Alert>> _pending = new(StringComparer.Ordinal);
        private readonly List<Task> _writes = [];
        private readonly SemaphoreSlim _gate = new(parallelism);
        private int _count, _critical;

        public async Task AddAsync(Alert alert)
        {
            Interlocked.Increment(ref _count);
            if (IsCriticalStack(alert))
            {
                Interlocked.Increment(ref _critical);
            }

            List<Alert>? full = null;
            lock (_pending)
            {
                var key = alert.Gemeente ?? "hub";
                var list = _pending.TryGetValue(key, out var l) ? l : _pending[key] = [];
                list.Add(alert);
                if (list.Count >= BatchSize)
                {
                    full = list;
                    _pending.Remove(key);
                }
            }

            if (full is not null)
            {
                await _gate.WaitAsync(ct); // back-pressure: evaluation waits when the writes fall behind
                var write = WriteAsync(full);
                lock (_writes)
                {
                    _writes.Add(write);
                }
            }
        }

        private async Task WriteAsync(List<Alert> batch)
        {
            try
            {
                await alerts.RaiseNewAsync(batch, 1, ct);
            }
            finally
            {
                _gate.Release();
            }
        }

        public async Task<(int Count, int Critical)> CompleteAsync()
        {
            await alerts.RaiseNewAsync([.. _pending.Values.SelectMany(l => l)], parallelism, ct);
            await Task.WhenAll(_writes);
            return (_count, _critical);
        }
    }

    private static bool IsCriticalStack(Alert alert) => alert.Rule == DueRules.Stack && alert.Severity == AlertSeverity.Critical && !alert.Unconfirmed;

    private async Task<(int Raised, int Resolved, int Critical)> ScanPersonAsync(
        List<DueRow> rows, DateOnly asOf, DateOnly? scannedUpTo, FreshAlerts fresh, CancellationToken ct)
    {
        int raised = 0, resolved = 0, critical = 0;
        var personId = rows[0].Item.PersonId;
        List<DueItem> Current(ChainState? s) =>
            s is null ? [] : [.. DueRules.For(personId, s, cak.Policies.For(s.Gemeente), cak.Tariffs, options.Calendar, asOf, options.StackThreshold)];

        // The rows' copy of the chain (kept current by routing) decides a missed deadline. A row is never removed or
        // moved on a copy alone: if the copy says a deadline holds or moved, the ledger itself decides.
        var snapshot = rows.Select(r => r.Snapshot).FirstOrDefault(s => s is not null);
        var state = snapshot is null ? await ledger.GetStateAsync(personId, ct) : LedgerStore.DeserializeState(snapshot);
        var current = Current(state);
        if (snapshot is not null && rows.Any(r => !current.Contains(r.Item)))
        {
            state = await ledger.GetStateAsync(personId, ct);
            current = Current(state);
        }

        // A recheck row: the calendar alone changed the person's deadlines today. Write them as they are now, and
        // evaluate at once those already due that no row of today's group holds (they are due from today on).
        if (state is not null && rows.Any(r => r.Item.Rule == DueRules.Recheck))
        {
            await _deadlines.SyncAsync(personId, current, state, asOf, ct);
            var read = rows.Select(r => (r.Item.Rule, r.Item.Key)).ToHashSet();
            foreach (var item in current.Where(i => i.Due <= asOf && i.Rule != DueRules.Recheck && !read.Contains((i.Rule, i.Key))))
            {
                foreach (var alert in Evaluate(item, state, asOf))
                {
                    await RaiseAsync(alert with { Id = Alerts.IdOf(alert.Rule, alert.Subject, alert.Period) });
                }
            }
        }

        foreach (var row in rows)
        {
            var item = row.Item;
            var now = current.FirstOrDefault(d => d.Rule == item.Rule && d.Key == item.Key);
            if (now is null && item.Rule == DueRules.Recheck)
            {
                await due.RemoveAsync(row, ct);
                continue;
            }

            if (now is null)
            {
                // The rule holds now (the start arrived, the CAK accepted, the toewijzing was withdrawn).
                if (state is not null)
                {
                    foreach (var rule in item.Rule == DueRules.Stack ? [DueRules.Stack, DueRules.RetroactiveCap] : new[] { item.Rule })
                    {
                        if (await alerts.ResolveAsync(state.Gemeente, Alerts.IdOf(rule, item.PersonId + "|" + item.Key, item.Key), Resolution(rule), ct))
                        {
                            resolved++;
                        }
                    }
                }

                await due.RemoveAsync(row, ct);
                continue;
            }

            var moved = now.Due != item.Due;
            if (moved)
            {
                // The deadline moved (a corrected date): follow it, with the chain it was computed from.
                await _deadlines.SyncAsync(personId, [now], state, asOf, ct);
                await due.RemoveAsync(row, ct);
                if (now.Due > asOf)
                {
                    // A new deadline not yet reached (a request "in onderzoek", a corrected date): the alert for the old one ends.
                    if (await alerts.ResolveAsync(state!.Gemeente, Alerts.IdOf(item.Rule, item.PersonId + "|" + item.Key, item.Key),
                        $"De termijn is verschoven naar {Alerts.Date(now.Due)}.", ct))
                    {
                        resolved++;
                    }

                    continue;
                }
            }

            foreach (var alert in Evaluate(now, state!, asOf))
            {
                var identified = alert with { Id = Alerts.IdOf(alert.Rule, alert.Subject, alert.Period) };
                if (moved || item.Due <= scannedUpTo)
                {
                    await RaiseAsync(identified);
                }
                else
                {
                    await fresh.AddAsync(identified);
                }
            }
        }

        return (raised, resolved, critical);

        async Task RaiseAsync(Alert identified)
        {
            await alerts.RaiseAsync(identified, ct);
            raised++;
            critical += IsCriticalStack(identified) ? 1 : 0;
        }
    }

    /// <summary>R3 retour deadlines (OP090, OP090x4): answered when the addressee's retour (or 325) links to the message.</summary>
    private async Task<(int Raised, int Resolved, int Critical)> ScanMessageAsync(DueRow row, DateOnly asOf, CancellationToken ct)
    {
        var item = row.Item;
        var id = Guid.ParseExact(item.Key, "N");
        var history = await tracking.HistoryAsync(id, ct);
        if (history is null)
        {
            await due.RemoveAsync(row, ct); // purged by retention
            return (0, 0, 0);
        }

        var m = history.Message;
        var gemeente = m.Afzender.Length == 4 ? m.Afzender : m.Geadresseerde;
        var aanbieder = m.Afzender.Length == 4 ? m.Geadresseerde : m.Afzender;
        var alertId = Alerts.IdOf(item.Rule, item.Key, item.Key);
        foreach (var link in history.Links.Where(l => l.Relation == "answered-by"))
        {
            if (await tracking.GetAsync(link.Id, ct) is { } answer && answer.Afzender == m.Geadresseerde)
            {
                await due.RemoveAsync(row, ct);
                var done = await alerts.ResolveAsync(gemeente, alertId, $"{answer.Bericht} van {answer.Afzender} ontvangen op {Alerts.Date(DutchTime.DateOf(answer.ReceivedOn))}.", ct);
                return (0, done ? 1 : 0, 0);
            }
        }

        var received = DutchTime.DateOf(m.ReceivedOn);
        var norm = item.Rule == DueRules.MissingDeclaratieAntwoord ? 10 : 3;
        var waited = options.Calendar.Between(received, asOf);
        var (answerName, source) = item.Rule == DueRules.MissingDeclaratieAntwoord ? ("declaratie-antwoord (WMO325)", "OP090x4") : ("retourbericht", "OP090");
        await alerts.RaiseAsync(new Alert(alertId, item.Rule, waited > 2 * norm ? AlertSeverity.Critical : AlertSeverity.Warning, AlertStatus.Open, m.Geadresseerde,
            item.Key, item.Key, gemeente, aanbieder, null, null, null, time.GetUtcNow(), Since(item.Due), null, null,
            $"Bericht {m.Bericht} van {m.Afzender} (identificatie {m.Identificatie}), ontvangen op {Alerts.Date(received)}, is na {waited} werkdagen nog niet beantwoord "
            + $"met een {answerName} door {m.Geadresseerde} (binnen {norm} werkdagen, {source})."), ct);
        return (1, 0, 0);
    }

    private IEnumerable<Alert> Evaluate(DueItem item, ChainState state, DateOnly asOf)
    {
        var now = time.GetUtcNow();
        var bsn = MessageRules.Mask(state.Bsn);
        var dueSince = Since(item.Due);
        var subject = item.PersonId + "|" + item.Key;
        Alert For(string rule, string severity, string owner, string? aanbieder, long? nummer, int? months, long? cents, string explanation) =>
            new(string.Empty, rule, severity, AlertStatus.Open, owner, subject, item.Key, state.Gemeente, aanbieder, nummer, bsn, item.PersonId, now, dueSince, months, cents, explanation);

        switch (item.Rule)
        {
            case DueRules.MissingStart:
            {
                var t = state.Toewijzing(long.Parse(item.Key, CultureInfo.InvariantCulture))!;
                var late = options.Calendar.Between(t.Ingangsdatum, asOf);
                yield return For(item.Rule, late > 20 ? AlertSeverity.Critical : AlertSeverity.Warning, t.Aanbieder, t.Aanbieder, t.Nummer, null, null,
                    $"Toewijzing {t.Nummer} ging in op {Alerts.Date(t.Ingangsdatum)}; {late} werkdagen later heeft aanbieder {t.Aanbieder} nog geen startbericht (WMO305) gestuurd (binnen 5 werkdagen, OP271).");
                break;
            }

            case DueRules.MissingStop:
            {
                var t = state.Toewijzing(long.Parse(item.Key, CultureInfo.InvariantCulture))!;
                var late = options.Calendar.Between(t.Einddatum!.Value, asOf);
                yield return For(item.Rule, late > 20 ? AlertSeverity.Critical : AlertSeverity.Warning, t.Aanbieder, t.Aanbieder, t.Nummer, null, null,
                    $"Toewijzing {t.Nummer} eindigde op {Alerts.Date(t.Einddatum.Value)}; {late} werkdagen later heeft aanbieder {t.Aanbieder} de levering nog niet gestopt met een stopbericht (WMO307) (binnen 5 werkdagen, OP272).");
                break;
            }

            case DueRules.UnansweredRequest:
            {
                var v = state.Verzoeken.First(v => v.Referentie == item.Key);
                var received = DutchTime.DateOf(v.ReceivedOn);
                var waited = options.Calendar.Between(received, asOf);
                yield return For(item.Rule, v.Status == VerzoekState.InOnderzoek || waited > 20 ? AlertSeverity.Critical : AlertSeverity.Warning, state.Gemeente, v.Aanbieder, null, null, null,
                    v.Status == VerzoekState.InOnderzoek
                        ? $"Het verzoek ({v.Bericht}, referentie {v.Referentie}) van aanbieder {v.Aanbieder} is in onderzoek, maar 8 weken na {Alerts.Date(v.Dagtekening)} is er nog geen toewijzing (WMO301) of afwijzing (WMO319) (OP274)."
                        : $"Het verzoek ({v.Bericht}, referentie {v.Referentie}) van aanbieder {v.Aanbieder}, ontvangen op {Alerts.Date(received)}, is na {waited} werkdagen nog niet beantwoord met een toewijzing (WMO301) of antwoordbericht (WMO319) (binnen 5 werkdagen, OP274).");
                break;
            }

            case DueRules.Art2f:
            {
                var begin = DateOnly.ParseExact(item.Key, "yyyy-MM-dd", CultureInfo.InvariantCulture);
                yield return For(item.Rule, AlertSeverity.Warning, state.Gemeente, null, null, null, null,
                    $"De voorziening loopt sinds {Alerts.Date(begin)}; het CAK heeft na een maand nog geen geaccepteerde melding (WMO405) (art. 2f Uitvoeringsregeling Wmo 2015).");
                break;
            }

            case DueRules.Stack:
            {
                var start = DateOnly.ParseExact(item.Key, "yyyy-MM-dd", CultureInfo.InvariantCulture);
                var policy = cak.Policies.For(state.Gemeente);
                var basis = DueRules.StackBases(state, policy, EigenBijdragePlanner.Derive(state, policy, cak.Tariffs, asOf)).FirstOrDefault(b => b.Begindatum == start);
                if (basis is null)
                {
                    yield break;
                }

                var (months, cents, unknown) = StackEstimate.Of(start, basis.Einddatum, asOf, basis.Kostprijs, cak.Tariffs);
                if (months < options.StackThreshold)
                {
                    yield break;
                }

                var size = $"{months} maanden eigen bijdrage in één factuur (€ {Euro(cents)}"
                    + (unknown.Count > 0 ? $", zonder {string.Join(", ", unknown)}: tarief onbekend" : string.Empty) + ")";
                var severity = months > options.StackThreshold ? AlertSeverity.Critical : AlertSeverity.Warning;
                if (basis.Unconfirmed is { } t)
                {
                    // Predicted before the 305: shown apart (unconfirmed), no R5 and no letter on a guess. The gemeente's
                    // alert, not the aanbieder's (it has R3-305): the resident's bijdrage is not the supplier's business.
                    yield return For(item.Rule, severity, state.Gemeente, null, t.Nummer, months, cents,
                        $"Voorspelling, nog niet bevestigd: toewijzing {t.Nummer} ging in op {Alerts.Date(start)}, maar aanbieder {t.Aanbieder} heeft nog geen start gemeld (WMO305). "
                        + $"Als de ondersteuning toen begon en het CAK de start nu ontvangt, krijgt de cliënt {size}.") with { Unconfirmed = true };
                    break;
                }

                yield return For(item.Rule, severity, state.Gemeente, null, null, months, cents,
                    $"Als het CAK de start (vanaf {Alerts.Date(start)}) nu ontvangt, krijgt de cliënt {size}.");

                var firstBilled = StackEstimate.FirstBilled(start);
                if (options.RetroactiveCapMonths is { } cap && months > cap)
                {
                    // R5: the oldest months beyond the cap can no longer be levied; the gemeente loses that bijdrage.
                    var (lost, lostCents, _) = StackEstimate.Months(firstBilled, firstBilled.AddMonths(months - cap - 1), null, cak.Tariffs);
                    yield return For(DueRules.RetroactiveCap, AlertSeverity.Critical, state.Gemeente, null, null, lost, lostCents,
                        $"De start (vanaf {Alerts.Date(start)}) ligt zo ver terug dat het CAK {lost} {(lost == 1 ? "maand" : "maanden")} niet meer kan innen (grens {cap} maanden): de gemeente loopt € {Euro(lostCents)} eigen bijdrage mis.");
                }

                break;
            }

            case DueRules.LateStop:
            {
                var start = DateOnly.ParseExact(item.Key, "yyyy-MM-dd", CultureInfo.InvariantCulture);
                var period = EigenBijdragePlanner.Derive(state, cak.Policies.For(state.Gemeente), cak.Tariffs, asOf).First(p => p.Begindatum == start);
                var end = DueRules.ExpectedEnd(state, period)!.Value;
                var (months, cents, _) = StackEstimate.Months(new DateOnly(end.Year, end.Month, 1).AddMonths(1), asOf, null, cak.Tariffs);
                yield return For(item.Rule, months > options.StackThreshold ? AlertSeverity.Critical : AlertSeverity.Warning, state.Gemeente, null, null, months, cents,
                    $"De voorziening eindigde op {Alerts.Date(end)}, maar het CAK heeft nog geen stop geaccepteerd (WMO405 met einddatum)"
                    + (period.Einddatum is null ? " en de aanbieder heeft geen stopbericht (WMO307) gestuurd" : string.Empty)
                    + $"; de cliënt betaalt intussen {months} maanden te veel eigen bijdrage (€ {Euro(cents)}), die het CAK later moet terugbetalen.");
                break;
            }
        }
    }

    private static DateTimeOffset Since(DateOnly due) => new(due.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    private static readonly NumberFormatInfo Dutch = new() { NumberDecimalSeparator = ",", NumberGroupSeparator = "." };

    public static string Euro(long cents) => (cents / 100m).ToString("N2", Dutch);

    private static string Resolution(string rule) => rule switch
    {
        DueRules.MissingStart => "Het startbericht (WMO305) is ontvangen, of de toewijzing is ingetrokken.",
        DueRules.MissingStop => "Het stopbericht (WMO307) is ontvangen, of de toewijzing is gewijzigd.",
        DueRules.UnansweredRequest => "De gemeente heeft het verzoek beantwoord (WMO301 of WMO319).",
        DueRules.LateStop => "Het CAK heeft de stop geaccepteerd, of de voorziening loopt weer.",
        DueRules.RetroactiveCap => "Het CAK heeft de start ontvangen; de maanden boven de grens blijven onbetaald.",
        _ => "Het CAK heeft de melding (WMO405) geaccepteerd, of de periode vervalt.",
    };
}
