using System.Globalization;
using Azure.Data.Tables;
using Wmo.AzureStorage;
using Wmo.Hub.Chain;
using Wmo.Hub.Detection;
using Wmo.Messages;

namespace Wmo.Hub.Dashboard;

/// <summary>
/// One reported start: how long the supplier took from the toewijzing (301 Toewijzingsdatum) to the start of the
/// delivery (305 Begindatum) and to reporting it (the 305's arrival at the hub).
/// </summary>
public sealed record LeadTime(
    string Gemeente, string Aanbieder, string? Categorie, long ToewijzingNummer, DateOnly Toewijzingsdatum, DateOnly Begindatum, DateOnly Ontvangen)
{
    /// <summary>Working days from toewijzing to start (0 when the start lies before the toewijzing: a retroactive one).</summary>
    public int DaysToStart(WorkingDays calendar) => Begindatum <= Toewijzingsdatum ? 0 : calendar.Between(Toewijzingsdatum, Begindatum);

    /// <summary>Working days from toewijzing to the 305's arrival.</summary>
    public int DaysToReport(WorkingDays calendar) => Ontvangen <= Toewijzingsdatum ? 0 : calendar.Between(Toewijzingsdatum, Ontvangen);
}

/// <summary>
/// Table <c>levertijden</c>: one row per reported start, written by the router when a WMO305 is applied (and removed
/// when it is deleted with StatusAanlevering 3). PartitionKey = gemeente, RowKey = arrival date (yyyyMMdd) | person |
/// toewijzing | Begindatum: a gemeente's report for a period is one partition range query, and rows never move.
/// </summary>
public sealed class LeadTimes(StorageClients storage)
{
    public const string TableName = "levertijden";
    private readonly TableClient _table = storage.GetTable(TableName);
    private readonly TableGroupCommit _group = storage.GroupCommit;

    public Task EnsureTableAsync(CancellationToken ct = default) => _table.CreateIfNotExistsAsync(cancellationToken: ct);

    private static string Key(DateOnly arrival, string personId, long nummer, DateOnly begin) =>
        string.Create(CultureInfo.InvariantCulture, $"{arrival:yyyyMMdd}|{personId}|{nummer}|{begin:yyyyMMdd}");

    /// <summary>Projects a ledger change: its starts are recorded, its deleted starts removed. Idempotent (retries).</summary>
    public async Task RecordAsync(string gemeente, string aanbieder, string personId, LedgerEntry entry, TimeZoneInfo zone, CancellationToken ct = default)
    {
        foreach (var e in entry.Events)
        {
            if (e.ToewijzingNummer is not { } nummer || e.Datum is not { } begin)
            {
                continue;
            }

            if (e.Kind == LedgerEventKinds.Start && e.Toewijzingsdatum is { } toegewezen)
            {
                var arrival = DutchTime.DateOf(e.ReceivedOn, zone);
                // One row per start into the gemeente's partition: concurrent routings share the write.
                await _group.UpsertAsync(_table, new TableEntity(gemeente, Key(arrival, personId, nummer, begin))
                {
                    ["Aanbieder"] = aanbieder,
                    ["Categorie"] = e.Product?.Split('/')[0],
                    ["ToewijzingNummer"] = nummer,
                    ["Toewijzingsdatum"] = Date(toegewezen),
                    ["Begindatum"] = Date(begin),
                    ["Ontvangen"] = Date(arrival),
                }, TableUpdateMode.Replace, ct);
            }
            else if (e.Kind == LedgerEventKinds.StartVerwijderd && e.DeletedReceivedOn is { } original)
            {
                await _table.DeleteAsync(gemeente, Key(DutchTime.DateOf(original, zone), personId, nummer, begin), ct: ct);
            }
        }
    }

    /// <summary>
    /// The starts that arrived from <paramref name="from"/> up to and including <paramref name="to"/>, of one gemeente
    /// or all (null), of one aanbieder or all.
    /// </summary>
    public async Task<List<LeadTime>> QueryAsync(string? gemeente, string? aanbieder, DateOnly from, DateOnly to, CancellationToken ct = default)
    {
        var range = TableFilter.And(
            TableFilter.GreaterThanOrEqual("RowKey", from.ToString("yyyyMMdd", CultureInfo.InvariantCulture)),
            TableFilter.LessThan("RowKey", to.AddDays(1).ToString("yyyyMMdd", CultureInfo.InvariantCulture)));
        var filter = gemeente is null ? range : TableFilter.And(TableFilter.PartitionKeyEquals(gemeente), range);
        if (aanbieder is not null)
        {
            filter = TableFilter.And(filter, TableFilter.Equal("Aanbieder", aanbieder));
        }

        var rows = new List<LeadTime>();
        await foreach (var e in _table.QueryAsync(filter, ct: ct))
        {
            rows.Add(new LeadTime(e.PartitionKey, e.GetString("Aanbieder") ?? string.Empty, e.GetString("Categorie"), e.GetWholeNumber("ToewijzingNummer") ?? 0,
                Parse(e.GetString("Toewijzingsdatum")), Parse(e.GetString("Begindatum")), Parse(e.GetString("Ontvangen"))));
        }

        return rows;
    }

    private static string Date(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static DateOnly Parse(string? s) => DateOnly.ParseExact(s ?? "0001-01-01", "yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>Lead-time figures of one group of starts (a supplier, or a supplier's product category).</summary>
/// <param name="WithinNorm">Share (0–1) of the starts that began within the norm (working days after the toewijzing).</param>
/// <param name="Histogram">Starts per bucket of working days to start (see <see cref="LeadTimeReport.Buckets"/>).</param>
public sealed record LeadTimeStats(
    string Aanbieder, string? Categorie, int Count, double MedianToStart, int P90ToStart, double MedianToReport, int P90ToReport, double WithinNorm, int[] Histogram);

/// <summary>The supplier lead-time report: per supplier, and per supplier and product category.</summary>
public static class LeadTimeReport
{
    /// <summary>Histogram buckets, in working days from toewijzing to start: lower bounds (the last is open).</summary>
    public static readonly int[] Buckets = [0, 6, 11, 16, 21, 31, 41];

    public static string BucketLabel(int i) => i == Buckets.Length - 1 ? $"{Buckets[i]}+" : $"{Buckets[i]}–{Buckets[i + 1] - 1}";

    /// <param name="byCategory">false: one row per supplier; true: one per supplier and product category.</param>
    public static IReadOnlyList<LeadTimeStats> Compute(IEnumerable<LeadTime> rows, WorkingDays calendar, int normDays, bool byCategory)
    {
        return rows.GroupBy(r => (r.Aanbieder, Categorie: byCategory ? r.Categorie : null))
            .OrderBy(g => g.Key.Aanbieder, StringComparer.Ordinal).ThenBy(g => g.Key.Categorie, StringComparer.Ordinal)
            .Select(g =>
            {
                var toStart = g.Select(r => r.DaysToStart(calendar)).Order().ToArray();
                var toReport = g.Select(r => r.DaysToReport(calendar)).Order().ToArray();
                var histogram = new int[Buckets.Length];
                foreach (var d in toStart)
                {
                    histogram[Array.FindLastIndex(Buckets, b => d >= b)]++;
                }

                return new LeadTimeStats(g.Key.Aanbieder, g.Key.Categorie, toStart.Length, Median(toStart), Percentile(toStart, 0.9),
                    Median(toReport), Percentile(toReport, 0.9), toStart.Count(d => d <= normDays) / (double)toStart.Length, histogram);
            })
            .ToList();
    }

    /// <summary>The median of sorted values (the mean of the middle two for an even count).</summary>
    public static double Median(int[] sorted) =>
        sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2.0;

    /// <summary>The nearest-rank percentile of sorted values: the smallest value with at least p of them at or below it.</summary>
    public static int Percentile(int[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
