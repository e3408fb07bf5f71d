using System.Globalization;
using Wmo.Hub.Cak;
using Wmo.Hub.Chain;
using Wmo.Messages.Retour;

namespace Wmo.Hub.Detection;

/// <summary>How the detection rules are tuned (domain.md §6; every threshold configurable).</summary>
public sealed record DetectionOptions(WorkingDays Calendar, int StackThreshold = 2);

/// <summary>What a scan did.</summary>
public sealed record ScanResult(DateOnly AsOf, int Due, int Raised, int Resolved);

/// <summary>
/// The timer-driven detection (timer <c>DetectionScan</c>, <c>POST /api/admin/scan?asOf=</c>): reads the due index up to
/// the day, re-evaluates each deadline against the person's current chain, raises or escalates the alert when it is
/// missed, and resolves it (and drops the row) when the missing message has arrived. Running it twice, or for the same
/// day again, updates the same alerts: one per rule, person and toewijzing or period.
/// </summary>
public sealed class Scanner(DueIndex due, LedgerStore ledger, Alerts alerts, CakLeg cak, DetectionOptions options, TimeProvider time)
{
    public async Task<ScanResult> ScanAsync(DateOnly asOf, CancellationToken ct = default)
    {
        var states = new Dictionary<string, ChainState?>(StringComparer.Ordinal);
        int count = 0, raised = 0, resolved = 0;
        await foreach (var item in due.DueAsync(asOf, ct))
        {
            count++;
            if (!states.TryGetValue(item.PersonId, out var state))
            {
                states[item.PersonId] = state = await ledger.GetStateAsync(item.PersonId, ct);
            }

            var current = state is null ? null : DueRules.For(item.PersonId, state, cak.Policies.For(state.Gemeente), cak.Tariffs, options.Calendar, asOf, options.StackThreshold)
                .FirstOrDefault(d => d.Rule == item.Rule && d.Key == item.Key);
            var alertId = Alerts.IdOf(item.Rule, item.PersonId + "|" + item.Key, item.Key);
            if (current is null)
            {
                // The rule holds now (the start arrived, the CAK accepted, the toewijzing was withdrawn).
                if (state is not null && await alerts.ResolveAsync(state.Gemeente, alertId, Resolution(item.Rule), ct))
                {
                    resolved++;
                }

                await due.RemoveAsync(item, ct);
                continue;
            }

            if (current.Due != item.Due)
            {
                await due.ScheduleAsync(current, ct); // the deadline moved (a corrected date): follow it
                await due.RemoveAsync(item, ct);
                if (current.Due > asOf)
                {
                    continue;
                }
            }

            if (Evaluate(current, state!, asOf) is { } alert)
            {
                await alerts.RaiseAsync(alert with { Id = alertId }, ct);
                raised++;
            }
        }

        return new ScanResult(asOf, count, raised, resolved);
    }

    private Alert? Evaluate(DueItem item, ChainState state, DateOnly asOf)
    {
        var now = time.GetUtcNow();
        var bsn = MessageRules.Mask(state.Bsn);
        var dueSince = new DateTimeOffset(item.Due.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var subject = item.PersonId + "|" + item.Key;
        switch (item.Rule)
        {
            case DueRules.MissingStart:
                var t = state.Toewijzing(long.Parse(item.Key, CultureInfo.InvariantCulture))!;
                var late = options.Calendar.Between(t.Ingangsdatum, asOf);
                return new Alert(string.Empty, DueRules.MissingStart, late > 20 ? AlertSeverity.Critical : AlertSeverity.Warning, AlertStatus.Open, t.Aanbieder,
                    subject, item.Key, state.Gemeente, t.Aanbieder, t.Nummer, bsn, item.PersonId, now, dueSince, null, null,
                    $"Toewijzing {t.Nummer} ging in op {Alerts.Date(t.Ingangsdatum)}; {late} werkdagen later heeft aanbieder {t.Aanbieder} nog geen startbericht (WMO305) gestuurd (binnen 5 werkdagen, OP271).");
            case DueRules.Art2f:
                var begin = DateOnly.ParseExact(item.Key, "yyyy-MM-dd", CultureInfo.InvariantCulture);
                return new Alert(string.Empty, DueRules.Art2f, AlertSeverity.Warning, AlertStatus.Open, state.Gemeente, subject, item.Key, state.Gemeente, null, null,
                    bsn, item.PersonId, now, dueSince, null, null,
                    $"De voorziening loopt sinds {Alerts.Date(begin)}; het CAK heeft na een maand nog geen geaccepteerde melding (WMO405) (art. 2f Uitvoeringsregeling Wmo 2015).");
            case DueRules.Stack:
                var start = DateOnly.ParseExact(item.Key, "yyyy-MM-dd", CultureInfo.InvariantCulture);
                var period = EigenBijdragePlanner.Derive(state, cak.Policies.For(state.Gemeente), cak.Tariffs, asOf).FirstOrDefault(p => p.Begindatum == start);
                var (months, cents, unknown) = Stack(start, asOf, period?.Kostprijs);
                if (months < options.StackThreshold)
                {
                    return null;
                }

                var amount = (cents / 100m).ToString("N2", Dutch);
                return new Alert(string.Empty, DueRules.Stack, months > options.StackThreshold ? AlertSeverity.Critical : AlertSeverity.Warning, AlertStatus.Open,
                    state.Gemeente, subject, item.Key, state.Gemeente, null, null, bsn, item.PersonId, now, dueSince, months, cents,
                    $"Als het CAK de start (vanaf {Alerts.Date(start)}) nu ontvangt, krijgt de cliënt {months} maanden eigen bijdrage in één factuur (€ {amount}"
                    + (unknown.Count > 0 ? $", zonder {string.Join(", ", unknown)}: tarief onbekend" : string.Empty) + ").");
            default:
                return null;
        }
    }

    private static readonly NumberFormatInfo Dutch = new() { NumberDecimalSeparator = ",", NumberGroupSeparator = "." };

    /// <summary>R1: months from the month after the start up to this month, and their abonnementstarief (capped at the kostprijs).</summary>
    private (int Months, long Cents, List<int> UnknownYears) Stack(DateOnly start, DateOnly asOf, long? kostprijs)
    {
        var months = 0;
        long cents = 0;
        var unknown = new List<int>();
        for (var m = new DateOnly(start.Year, start.Month, 1).AddMonths(1); m <= asOf; m = m.AddMonths(1))
        {
            months++;
            if (cak.Tariffs.For(m.Year) is { } tariff)
            {
                cents += tariff;
            }
            else if (!unknown.Contains(m.Year))
            {
                unknown.Add(m.Year);
            }
        }

        return (months, kostprijs is { } cap ? Math.Min(cents, cap) : cents, unknown);
    }

    private static string Resolution(string rule) => rule switch
    {
        DueRules.MissingStart => "Het startbericht (WMO305) is ontvangen, of de toewijzing is ingetrokken.",
        _ => "Het CAK heeft de melding (WMO405) geaccepteerd, of de periode vervalt.",
    };
}
