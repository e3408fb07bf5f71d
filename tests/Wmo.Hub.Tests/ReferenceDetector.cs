using Wmo.Hub.Cak;
using Wmo.Hub.Chain;
using Wmo.Messages;

namespace Wmo.Hub.Tests;

/// <summary>An alert as the differential test compares it.</summary>
public sealed record ExpectedAlert(string Rule, string Subject, int? Months, long? Cents, string Severity, bool Unconfirmed = false);

/// <summary>
/// The detection rules recomputed for one day from a person's ledger state alone, written apart from the product's
/// due index, chain copies and scanner, as plainly as domain.md §4 and §6.3 state them: no deadlines stored, nothing
/// incremental. Its own calendar (the 2025 holidays of the Algemene termijnenwet written out) and its own month
/// arithmetic; only the CAK periods are taken from the planner (what the gemeente sends is not detection).
/// </summary>
public static class ReferenceDetector
{
    private static readonly HashSet<DateOnly> Holidays2025 =
    [
        new(2025, 1, 1), new(2025, 4, 18), new(2025, 4, 20), new(2025, 4, 21), new(2025, 4, 26), new(2025, 5, 5),
        new(2025, 5, 29), new(2025, 6, 8), new(2025, 6, 9), new(2025, 12, 25), new(2025, 12, 26),
    ];

    private static bool Workday(DateOnly d) => d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && !Holidays2025.Contains(d);

    /// <summary>Working days after <paramref name="from"/> up to and including <paramref name="to"/>.</summary>
    private static int WorkdaysBetween(DateOnly from, DateOnly to)
    {
        var n = 0;
        for (var d = from.AddDays(1); d <= to; d = d.AddDays(1))
        {
            n += Workday(d) ? 1 : 0;
        }

        return n;
    }

    /// <summary>"Within n werkdagen" of <paramref name="from"/> is missed on <paramref name="asOf"/> when more than n working days have passed.</summary>
    private static bool Missed(DateOnly from, int n, DateOnly asOf) => WorkdaysBetween(from, asOf) > n;

    private static int MonthIndex(DateOnly d) => (d.Year * 12) + d.Month;

    /// <summary>Months billed from the month after <paramref name="start"/> through the month of <paramref name="last"/>, and their tariffs.</summary>
    private static (int Months, long Cents) Billed(DateOnly start, DateOnly last, long? cap, Tariffs tariffs)
    {
        int months = 0;
        long cents = 0;
        for (var m = MonthIndex(start) + 1; m <= MonthIndex(last); m++)
        {
            months++;
            cents += tariffs.For((m - 1) / 12) ?? 0;
        }

        return (months, cap is { } c ? Math.Min(cents, c) : cents);
    }

    private static string Sev(int months, int threshold) => months > threshold ? AlertSeverity.Critical : AlertSeverity.Warning;

    public static IEnumerable<ExpectedAlert> Evaluate(string personId, ChainState s, CakPolicy policy, Tariffs tariffs, DateOnly asOf, int threshold)
    {
        // R3-305 and R3-307 (OP271, OP272).
        foreach (var t in s.Toewijzingen.Where(t => !t.Deleted))
        {
            var starts = s.Starts.Where(x => x.Toewijzing == t.Nummer && x.Current).ToList();
            var received = DutchTime.DateOf(t.ReceivedOn);
            if (starts.Count == 0)
            {
                var from = t.Ingangsdatum < received ? received : t.Ingangsdatum;
                if (Missed(from, 5, asOf))
                {
                    yield return new ExpectedAlert("R3-305", $"{personId}|{t.Nummer}", null, null,
                        WorkdaysBetween(t.Ingangsdatum, asOf) > 20 ? AlertSeverity.Critical : AlertSeverity.Warning);
                }
            }
            else if (t.Einddatum is { } end
                && starts.Any(x => !s.Stops.Any(y => y.Toewijzing == t.Nummer && y.Begindatum == x.Begindatum && y.Current && y.RedenBeeindiging != "20"))
                && Missed(end, 5, asOf))
            {
                yield return new ExpectedAlert("R3-307", $"{personId}|{t.Nummer}", null, null,
                    WorkdaysBetween(end, asOf) > 20 ? AlertSeverity.Critical : AlertSeverity.Warning);
            }
        }

        var periods = EigenBijdragePlanner.Derive(s, policy, tariffs, asOf);
        foreach (var p in periods)
        {
            var key = $"{personId}|{p.Begindatum:yyyy-MM-dd}";
            var startAccepted = s.Cak.Any(c => c.Begindatum == p.Begindatum && c.Status == CakPeriodState.Accepted);
            if (!startAccepted)
            {
                // R2 (art. 2f): within one month of the start.
                if (asOf > p.Begindatum.AddMonths(1))
                {
                    yield return new ExpectedAlert("R2", key, null, null, AlertSeverity.Warning);
                }

                // R1: an invoice now would bill these months at once.
                var (months, cents) = Billed(p.Begindatum, p.Einddatum is { } e && e < asOf ? e : asOf, p.Kostprijs, tariffs);
                if (months >= threshold)
                {
                    yield return new ExpectedAlert("R1", key, months, cents, Sev(months, threshold));
                }
            }

            // R6: the voorziening ended, the CAK has no accepted stop, and m(now) > m(end) + 1.
            var covering = s.Toewijzingen.Where(t => !t.Deleted && (t.Einddatum is null || t.Einddatum >= p.Begindatum)).ToList();
            DateOnly? ended = p.Einddatum ?? (covering.Count > 0 && covering.All(t => t.Einddatum is not null) ? covering.Max(t => t.Einddatum) : null);
            var stopAccepted = s.Cak.Any(c => c.Begindatum == p.Begindatum && c.Status is CakPeriodState.Sent or CakPeriodState.Accepted
                && c.StopStatus == CakPeriodState.Accepted && c.Einddatum is not null);
            if (ended is { } end6 && !stopAccepted && MonthIndex(asOf) > MonthIndex(end6) + 1)
            {
                var (months, cents) = Billed(end6, asOf, null, tariffs);
                yield return new ExpectedAlert("R6", key, months, cents, Sev(months, threshold));
            }
        }

        // R1 unconfirmed: no period yet, a start policy, the earliest counted toewijzing without a start, its 305 overdue.
        if (periods.Count == 0 && policy.Start != StartMoment.Toewijzing)
        {
            var first = s.Toewijzingen.Where(t => !t.Deleted && policy.Counts(t.Categorie) && !s.Starts.Any(x => x.Toewijzing == t.Nummer && x.Current))
                .OrderBy(t => t.Ingangsdatum).ThenBy(t => t.Nummer).FirstOrDefault();
            if (first is not null)
            {
                var received = DutchTime.DateOf(first.ReceivedOn);
                var (months, cents) = Billed(first.Ingangsdatum, first.Einddatum is { } e && e < asOf ? e : asOf,
                    policy.HasKostprijs(first.Categorie) ? first.Budget : null, tariffs);
                if (Missed(first.Ingangsdatum < received ? received : first.Ingangsdatum, 5, asOf) && months >= threshold)
                {
                    yield return new ExpectedAlert("R1", $"{personId}|{first.Ingangsdatum:yyyy-MM-dd}", months, cents, Sev(months, threshold), Unconfirmed: true);
                }
            }
        }

        // R8: a start the CAK accepted when its stack had already reached the threshold (it stays, even if the period
        // is later withdrawn for a correction: the CAK billed it; the latest acceptance of a start date counts).
        foreach (var c in s.Cak.Where(c => c.Status is CakPeriodState.Accepted or CakPeriodState.Withdrawn && c.AnsweredOn is not null && c.Codes is null)
            .GroupBy(c => c.Begindatum).Select(g => g.MaxBy(c => c.AnsweredOn)!))
        {
            var accepted = DutchTime.DateOf(c.AnsweredOn!.Value);
            var endKnown = c.StopSentOn is null || c.StopSentOn <= c.AnsweredOn ? c.Einddatum : null; // a stop sent later was not known then
            var (months, cents) = Billed(c.Begindatum, endKnown is { } e && e < accepted ? e : accepted, c.Kostprijs, tariffs);
            if (months >= threshold)
            {
                yield return new ExpectedAlert("R8", $"{personId}|{c.Begindatum:yyyy-MM-dd}", months, cents, Sev(months, threshold));
            }
        }
    }
}
