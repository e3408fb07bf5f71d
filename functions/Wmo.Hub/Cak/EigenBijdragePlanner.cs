using Wmo.Hub.Chain;
using Wmo.Messages.Model;

namespace Wmo.Hub.Cak;

/// <summary>One eigen-bijdrage period the layer derives for a person from the chain and the gemeente's policy.</summary>
/// <param name="Kostprijs">The cap (eurocents) when every voorziening in the period is a hulpmiddel or
/// woningaanpassing; null when something without a cap is part of it.</param>
public sealed record DerivedPeriod(DateOnly Begindatum, DateOnly? Einddatum, string? ProductCategorie, long? Kostprijs);

/// <summary>What the CAK must be told: the WMO405 period lines, and the CAK state once they are sent.</summary>
public sealed record CakPlan(IReadOnlyList<EigenBijdragePeriode> Lines, IReadOnlyList<CakPeriodState> Cak)
{
    public bool IsEmpty => Lines.Count == 0;
}

/// <summary>
/// The CAK leg's state machine, as a pure function. The eigen bijdrage is per <b>person</b>, not per voorziening
/// (VNG FAQ): the voorzieningen that count under the gemeente's policy are turned into intervals, and overlapping or
/// adjoining intervals merge into one period. The first voorziening starts a period; further ones while it runs
/// change nothing, except a hulpmiddel or woningaanpassing whose kostprijs exceeds what remains of the period's
/// kostprijs (a kostprijs mutation); the period stops only when the last voorziening in it ends. The derived
/// periods are then compared with what the CAK was sent: new periods are sent (StatusAanlevering 1), an open
/// period that ends gets its stop, and anything else that changed is withdrawn (3) and sent again (1) — never a
/// duplicate. A period the CAK rejected is not sent again unchanged: it waits for a correction.
/// </summary>
public static class EigenBijdragePlanner
{
    public static IReadOnlyList<DerivedPeriod> Derive(ChainState state, CakPolicy policy, Tariffs tariffs, DateOnly today)
    {
        var intervals = new List<(DateOnly Begin, DateOnly? End, ToewijzingState Voorziening)>();
        foreach (var t in state.Toewijzingen.Where(t => !t.Deleted && policy.Counts(t.Categorie)))
        {
            intervals.AddRange(Intervals(state, t, policy, today).Select(i => (i.Begin, i.End, t)));
        }

        var periods = new List<DerivedPeriod>();
        foreach (var group in Merge(intervals.OrderBy(i => i.Begin).ToList()))
        {
            var first = group[0];
            var end = group.Any(i => i.End is null) ? (DateOnly?)null : group.Max(i => i.End!.Value);
            periods.Add(new DerivedPeriod(first.Begin, end, first.Voorziening.Categorie, Kostprijs(group, policy, tariffs)));
        }

        return periods;
    }

    public static CakPlan Plan(ChainState state, CakPolicy policy, Tariffs tariffs, DateOnly today, Guid messageId, DateTimeOffset now)
    {
        var desired = Derive(state, policy, tariffs, today);
        var cak = state.Cak.ToList();
        var lines = new List<EigenBijdragePeriode>();

        void Withdraw(int index)
        {
            var p = cak[index];
            lines.Add(new EigenBijdragePeriode(p.Begindatum, p.Einddatum, p.ProductCategorie, p.Kostprijs, "3"));
            cak[index] = p with { Status = CakPeriodState.Withdrawn };
        }

        void Send(DerivedPeriod d)
        {
            lines.Add(new EigenBijdragePeriode(d.Begindatum, d.Einddatum, d.ProductCategorie, d.Kostprijs, "1"));
            cak.Add(new CakPeriodState(d.Begindatum, d.Einddatum, d.Kostprijs, d.ProductCategorie, CakPeriodState.Sent, messageId, now)
            {
                // A period that already ended goes with its stop in the same line: one answer covers both.
                StopStatus = d.Einddatum is null ? null : CakPeriodState.Sent,
                StopMessageId = d.Einddatum is null ? null : messageId,
                StopSentOn = d.Einddatum is null ? null : now,
            });
        }

        // Periods the CAK holds that are no longer wanted as they are: withdrawn first, so the CAK never sees overlap.
        for (var i = 0; i < cak.Count; i++)
        {
            var p = cak[i];
            if (!p.Stands)
            {
                continue;
            }

            var match = desired.FirstOrDefault(d => d.Begindatum == p.Begindatum);
            var onlyStopped = match is not null && p.Einddatum is null && match.Einddatum is not null && match.Kostprijs == p.Kostprijs;
            if (match is null || (!Same(p, match) && !onlyStopped))
            {
                Withdraw(i);
            }
        }

        foreach (var d in desired)
        {
            var standing = cak.FindIndex(p => p.Stands && p.Begindatum == d.Begindatum);
            if (standing >= 0)
            {
                if (!Same(cak[standing], d))
                {
                    // An open period that now ends: the stop melding (same period, with its Einddatum). What the CAK
                    // holds of the start is unchanged; the stop is a fact of its own until the CAK answers it.
                    lines.Add(new EigenBijdragePeriode(d.Begindatum, d.Einddatum, d.ProductCategorie, d.Kostprijs, "1"));
                    cak[standing] = cak[standing] with
                    {
                        Einddatum = d.Einddatum, StopStatus = CakPeriodState.Sent, StopMessageId = messageId, StopSentOn = now, StopAnsweredOn = null, StopCodes = null,
                    };
                }

                continue;
            }

            // Rejected as it is: wait for a correction instead of sending the same again (no rejection loop of our own).
            if (cak.Any(p => p.Status == CakPeriodState.Rejected && p.Begindatum == d.Begindatum && Same(p, d)))
            {
                continue;
            }

            Send(d);
        }

        return new CakPlan(lines, cak);
    }

    /// <summary>
    /// After the gemeente fixed what the CAK rejected (e.g. registered the person): send those periods again. A
    /// rejected start is set aside (sent anew); a rejected stop is forgotten, so the open period gets its stop again.
    /// </summary>
    public static ChainState ForgetRejections(ChainState state) =>
        state with
        {
            Cak = [.. state.Cak.Select(p => p.Status == CakPeriodState.Rejected ? p with { Status = CakPeriodState.Withdrawn }
                : p.StopStatus == CakPeriodState.Rejected ? p with { Einddatum = null, StopStatus = null, StopMessageId = null, StopSentOn = null, StopAnsweredOn = null, StopCodes = null }
                : p)],
        };

    private static bool Same(CakPeriodState p, DerivedPeriod d) => p.Einddatum == d.Einddatum && p.Kostprijs == d.Kostprijs;

    /// <summary>The intervals one voorziening contributes under the policy (several for a start policy: each start).</summary>
    private static IEnumerable<(DateOnly Begin, DateOnly? End)> Intervals(ChainState state, ToewijzingState t, CakPolicy policy, DateOnly today)
    {
        var starts = state.CurrentStarts(t.Nummer).OrderBy(s => s.Begindatum).ToList();
        DateOnly? StopOf(StartState s)
        {
            var stops = state.CurrentStops(t.Nummer, s.Begindatum).ToList();
            return stops.Count == 0 ? null : stops.Max(e => e.Einddatum);
        }

        var declared = state.Declaraties.FirstOrDefault(d => d.Toewijzing == t.Nummer);
        var ended = (t.Einddatum is { } e && e <= today) || starts.Any(s => state.CurrentStops(t.Nummer, s.Begindatum).Any(x => !x.Temporary));
        DateOnly? End(DateOnly? stopOfStart) => policy.Stop switch
        {
            StopMoment.Toewijzing => t.Einddatum,
            StopMoment.Declaratie => ended ? declared?.Einddatum ?? stopOfStart ?? t.Einddatum : null,
            _ => stopOfStart,
        };

        switch (policy.Start)
        {
            case StartMoment.Start:
                foreach (var s in starts)
                {
                    yield return (s.Begindatum, End(StopOf(s)));
                }

                break;
            case StartMoment.Toewijzing:
                var lastStop = starts.Count > 0 && starts.All(s => StopOf(s) is not null) ? starts.Max(s => StopOf(s)) : null;
                yield return (t.Ingangsdatum, End(lastStop));
                break;
            case StartMoment.Declaratie:
                if (declared is not null)
                {
                    var stopped = starts.Count > 0 && starts.All(s => StopOf(s) is not null) ? starts.Max(s => StopOf(s)) : null;
                    yield return (declared.Begindatum, End(stopped));
                }

                break;
        }
    }

    /// <summary>Groups intervals that overlap or adjoin (the next starts at most a day after the previous ends).</summary>
    private static IEnumerable<List<(DateOnly Begin, DateOnly? End, ToewijzingState Voorziening)>> Merge(List<(DateOnly Begin, DateOnly? End, ToewijzingState Voorziening)> sorted)
    {
        var group = new List<(DateOnly Begin, DateOnly? End, ToewijzingState Voorziening)>();
        DateOnly? groupEnd = null;
        var open = false;
        foreach (var i in sorted)
        {
            if (group.Count > 0 && !open && i.Begin > groupEnd!.Value.AddDays(1))
            {
                yield return group;
                group = [];
            }

            if (group.Count == 0)
            {
                open = false;
                groupEnd = null;
            }

            group.Add(i);
            open |= i.End is null;
            groupEnd = i.End is { } end && (groupEnd is null || end > groupEnd) ? end : groupEnd;
        }

        if (group.Count > 0)
        {
            yield return group;
        }
    }

    /// <summary>
    /// The kostprijs of a period of only hulpmiddelen/woningaanpassingen: the first one's, raised by a later one whose
    /// kostprijs exceeds what remains (kostprijs minus the abonnementstarief of each month since it was set; a
    /// month of a year without a known tariff counts as nothing used, so the cap is not lowered on a guess).
    /// </summary>
    private static long? Kostprijs(List<(DateOnly Begin, DateOnly? End, ToewijzingState Voorziening)> group, CakPolicy policy, Tariffs tariffs)
    {
        if (group.Any(i => !policy.HasKostprijs(i.Voorziening.Categorie) || i.Voorziening.Budget is null))
        {
            return null;
        }

        var current = group[0].Voorziening.Budget!.Value;
        var since = group[0].Begin;
        foreach (var i in group.Skip(1))
        {
            var remaining = current - Used(since, i.Begin, tariffs);
            if (i.Voorziening.Budget!.Value > remaining)
            {
                current = i.Voorziening.Budget.Value;
                since = i.Begin;
            }
        }

        return current;
    }

    /// <summary>The bijdrage billed from the month after <paramref name="from"/> up to the month of <paramref name="to"/>.</summary>
    private static long Used(DateOnly from, DateOnly to, Tariffs tariffs)
    {
        long used = 0;
        for (var month = new DateOnly(from.Year, from.Month, 1).AddMonths(1); month <= to; month = month.AddMonths(1))
        {
            used += tariffs.For(month.Year) ?? 0;
        }

        return used;
    }
}
