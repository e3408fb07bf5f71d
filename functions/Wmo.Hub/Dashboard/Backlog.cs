using System.Globalization;
using Azure.Data.Tables;
using Wmo.AzureStorage;
using Wmo.Hub.Detection;

namespace Wmo.Hub.Dashboard;

/// <summary>One gemeente's backlog at the CAK: what the liaison calls a gemeente about.</summary>
/// <param name="Persons">Persons whose eigen-bijdrage start has not been accepted by the CAK (open R1 or R2).</param>
/// <param name="Months">Persons per months at risk: 1, 2, 3–5, 6 or more.</param>
/// <param name="Trend">Persons pending at the end of each of the last 12 weeks, oldest first.</param>
public sealed record BacklogRow(
    string Gemeente, int Persons, int[] Months, long Cents, DateTimeOffset? Oldest, int RejectionsOpen, int[] Trend)
{
    /// <summary>Persons with only a predicted, unconfirmed stack (R1 before the 305): apart, not in <see cref="Persons"/>.</summary>
    public int Unconfirmed { get; init; }

    public long UnconfirmedCents { get; init; }

    /// <summary>Realised stapelfacturen (R8) per month of the CAK's acceptance, the last <see cref="Backlog.RealisedMonths"/> months, oldest first.</summary>
    public RealisedMonth[] Realised { get; init; } = [];
}

/// <summary>The stapelfacturen the CAK's late acceptances caused in one month: residents and euros.</summary>
public sealed record RealisedMonth(string Month, int Persons, long Cents);

/// <summary>The backlog per gemeente, computed from the alerts (open and resolved, for the trend).</summary>
public static class Backlog
{
    public const int Weeks = 12;
    public const int RealisedMonths = 6;
    private static readonly string[] PendingRules = [DueRules.Stack, DueRules.Art2f];

    public static IReadOnlyList<BacklogRow> Compute(IEnumerable<Alert> alerts, DateTimeOffset now)
    {
        var rows = new List<BacklogRow>();
        foreach (var gemeente in alerts.Where(a => a.Gemeente is not null).GroupBy(a => a.Gemeente!))
        {
            var pending = gemeente.Where(a => PendingRules.Contains(a.Rule) && !a.Unconfirmed).ToList();
            var open = pending.Where(a => a.Status != AlertStatus.Resolved).ToList();
            var predicted = gemeente.Where(a => a.Rule == DueRules.Stack && a.Unconfirmed && a.Status != AlertStatus.Resolved)
                .Where(a => open.All(o => o.PersonId != a.PersonId)).GroupBy(a => a.PersonId).ToList();
            var realised = Enumerable.Range(0, RealisedMonths).Select(i => now.AddMonths(i - RealisedMonths + 1).ToString("yyyy-MM", CultureInfo.InvariantCulture))
                .Select(month =>
                {
                    var inMonth = gemeente.Where(a => a.Rule == DueRules.RealisedStack && (a.DueSince ?? a.DetectedAt).ToString("yyyy-MM", CultureInfo.InvariantCulture) == month).ToList();
                    return new RealisedMonth(month, inMonth.Select(a => a.PersonId).Distinct().Count(), inMonth.Sum(a => a.AmountAtRiskCents ?? 0));
                }).ToArray();
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
                gemeente.Count(a => a.Rule == AlertRules.CakRejected && a.Status != AlertStatus.Resolved), trend)
            {
                Unconfirmed = predicted.Count,
                UnconfirmedCents = predicted.Sum(p => p.Max(a => a.AmountAtRiskCents ?? 0)),
                Realised = realised,
            });
        }

        return rows;
    }
}

/// <summary>
/// Table <c>achterstand</c>: the backlog per gemeente as last computed, so the dashboard reads one row per gemeente
/// instead of every alert (100,000 open alerts would take seconds per page view). Computed after each detection scan
/// and by the timer <c>BacklogRefresh</c> (every ten minutes by default), so acknowledgements and resolutions that
/// happen between scans show within minutes; the page says when it was computed.
/// </summary>
public sealed class BacklogSnapshots(StorageClients storage, Alerts alerts, TimeProvider time)
{
    public const string TableName = "achterstand";
    private const string Partition = "gemeente";
    private readonly TableClient _table = storage.GetTable(TableName);

    public Task EnsureTableAsync(CancellationToken ct = default) => _table.CreateIfNotExistsAsync(cancellationToken: ct);

    /// <summary>
    /// Recomputes every gemeente's row from the alerts the backlog counts (R1, R2, R4, R8), after repairing the alerts'
    /// urgency index and count (<see cref="Alerts.RepairIndexAsync"/>) when that was last done over an hour ago; returns
    /// how many gemeenten.
    /// </summary>
    public async Task<int> RefreshAsync(CancellationToken ct = default)
    {
        // The other read model of the dashboard: the alerts in urgency order and their count. Every change of an alert
        // keeps the index; the repair (a read of every open alert and index row) only catches what a crash left, so an
        // hourly pass is enough.
        var now = time.GetUtcNow();
        if ((await alerts.OpenCountAsync(ct)).CountedAt is not { } counted || now - counted >= TimeSpan.FromHours(1))
        {
            await alerts.RepairIndexAsync(ct);
        }

        var rows = Backlog.Compute(await alerts.ForBacklogAsync(ct), now);
        var stale = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var e in _table.QueryAsync(TableFilter.PartitionKeyEquals(Partition), ct: ct))
        {
            stale.Add(e.RowKey);
        }

        foreach (var chunk in rows.Chunk(100))
        {
            await _table.SubmitBatchAsync([.. chunk.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(Partition, r.Gemeente)
            {
                ["Persons"] = r.Persons, ["Months"] = string.Join(',', r.Months), ["Cents"] = r.Cents, ["Oldest"] = r.Oldest,
                ["Rejections"] = r.RejectionsOpen, ["Trend"] = string.Join(',', r.Trend), ["ComputedAt"] = now,
                ["Unconfirmed"] = r.Unconfirmed, ["UnconfirmedCents"] = r.UnconfirmedCents,
                ["Realised"] = string.Join(';', r.Realised.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Month}:{m.Persons}:{m.Cents}"))),
            }))], ct);
        }

        // A gemeente without backlog alerts any more keeps an empty row (its trend still shows the past weeks).
        stale.ExceptWith(rows.Select(r => r.Gemeente));
        foreach (var gone in stale)
        {
            await _table.DeleteAsync(Partition, gone, ct: ct);
        }

        return rows.Count;
    }

    /// <summary>The rows of one gemeente or all (null), and when they were computed (null: never).</summary>
    public async Task<(IReadOnlyList<BacklogRow> Rows, DateTimeOffset? ComputedAt)> ReadAsync(string? gemeente, CancellationToken ct = default)
    {
        var rows = new List<BacklogRow>();
        DateTimeOffset? computed = null;
        var filter = gemeente is null ? TableFilter.PartitionKeyEquals(Partition) : TableFilter.And(TableFilter.PartitionKeyEquals(Partition), TableFilter.Equal("RowKey", gemeente));
        await foreach (var e in _table.QueryAsync(filter, ct: ct))
        {
            static int[] Ints(string? s) => [.. (s ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries).Select(v => int.Parse(v, CultureInfo.InvariantCulture))];
            rows.Add(new BacklogRow(e.RowKey, e.GetInt32("Persons") ?? 0, Ints(e.GetString("Months")), e.GetWholeNumber("Cents") ?? 0, e.GetDateTimeOffset("Oldest"),
                e.GetInt32("Rejections") ?? 0, Ints(e.GetString("Trend")))
            {
                Unconfirmed = e.GetInt32("Unconfirmed") ?? 0,
                UnconfirmedCents = e.GetWholeNumber("UnconfirmedCents") ?? 0,
                Realised = [.. (e.GetString("Realised") ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries).Select(m => m.Split(':'))
                    .Select(p => new RealisedMonth(p[0], int.Parse(p[1], CultureInfo.InvariantCulture), long.Parse(p[2], CultureInfo.InvariantCulture)))],
            });
            computed = e.GetDateTimeOffset("ComputedAt") is { } at && (computed is null || at < computed) ? at : computed;
        }

        return (rows, computed);
    }
}
