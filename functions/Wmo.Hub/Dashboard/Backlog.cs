using Wmo.Hub.Detection;

namespace Wmo.Hub.Dashboard;

/// <summary>One gemeente's backlog at the CAK: what the liaison calls a gemeente about.</summary>
/// <param name="Persons">Persons whose eigen-bijdrage start has not been accepted by the CAK (open R1 or R2).</param>
/// <param name="Months">Persons per months at risk: 1, 2, 3–5, 6 or more.</param>
/// <param name="Trend">Persons pending at the end of each of the last 12 weeks, oldest first.</param>
public sealed record BacklogRow(
    string Gemeente, int Persons, int[] Months, long Cents, DateTimeOffset? Oldest, int RejectionsOpen, int[] Trend);

/// <summary>The backlog per gemeente, computed from the alerts (open and resolved, for the trend).</summary>
public static class Backlog
{
    public const int Weeks = 12;
    private static readonly string[] PendingRules = [DueRules.Stack, DueRules.Art2f];

    public static IReadOnlyList<BacklogRow> Compute(IEnumerable<Alert> alerts, DateTimeOffset now)
    {
        var rows = new List<BacklogRow>();
        foreach (var gemeente in alerts.Where(a => a.Gemeente is not null).GroupBy(a => a.Gemeente!))
        {
            var pending = gemeente.Where(a => PendingRules.Contains(a.Rule)).ToList();
            var open = pending.Where(a => a.Status != AlertStatus.Resolved).ToList();
            var persons = open.GroupBy(a => a.PersonId).ToList();
            var months = new int[4];
            foreach (var person in persons)
            {
                var m = person.Max(a => a.MonthsAtRisk ?? 0);
                months[m >= 6 ? 3 : m >= 3 ? 2 : m == 2 ? 1 : 0]++;
            }

            var trend = new int[Weeks];
            for (var w = 0; w < Weeks; w++)
            {
                var end = now - TimeSpan.FromDays(7 * (Weeks - 1 - w));
                trend[w] = pending.Where(a => a.DetectedAt <= end && (a.ResolvedAt is null || a.ResolvedAt > end)).Select(a => a.PersonId).Distinct().Count();
            }

            rows.Add(new BacklogRow(gemeente.Key, persons.Count, months,
                persons.Sum(p => p.Where(a => a.Rule == DueRules.Stack).Select(a => a.AmountAtRiskCents ?? 0).DefaultIfEmpty(0).Max()),
                open.Count == 0 ? null : open.Min(a => a.DueSince ?? a.DetectedAt),
                gemeente.Count(a => a.Rule == AlertRules.CakRejected && a.Status != AlertStatus.Resolved), trend));
        }

        return rows;
    }
}
