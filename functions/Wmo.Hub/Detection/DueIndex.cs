using System.Globalization;
using Wmo.Hub.Cak;
using Wmo.Hub.Chain;
using Wmo.Storage;

namespace Wmo.Hub.Detection;

/// <summary>A deadline: by <see cref="Due"/> the rule must hold for the subject (a person's toewijzing or period).</summary>
/// <param name="Key">What it is about within the person: a ToewijzingNummer, or a period's Begindatum.</param>
public sealed record DueItem(string Rule, string PersonId, string Key, DateOnly Due);

/// <summary>The deadline rules that go through the due index.</summary>
public static class DueRules
{
    /// <summary>R3 (OP271): a toewijzing expects a WMO305 within 5 working days of its Ingangsdatum (of its receipt when retroactive).</summary>
    public const string MissingStart = "R3-305";

    /// <summary>R2 (Uitvoeringsregeling art. 2f): an accepted WMO405 within a month after the voorziening was provided.</summary>
    public const string Art2f = "R2";

    /// <summary>R1: the months that would be billed at once if the CAK received the start now reach the threshold.</summary>
    public const string Stack = "R1";

    /// <summary>
    /// The deadlines a person's chain implies: one per toewijzing without a start, and per eigen-bijdrage period the CAK
    /// has not accepted, the art. 2f deadline and the day the predicted stack reaches the threshold.
    /// </summary>
    public static IEnumerable<DueItem> For(string personId, ChainState state, CakPolicy policy, Tariffs tariffs, WorkingDays calendar, DateOnly today, int stackThreshold)
    {
        foreach (var t in state.Toewijzingen.Where(t => !t.Deleted && !state.CurrentStarts(t.Nummer).Any()))
        {
            var received = DateOnly.FromDateTime(t.ReceivedOn.UtcDateTime);
            var from = t.Ingangsdatum < received ? received : t.Ingangsdatum; // retroactive: from receipt (OP271)
            yield return new DueItem(MissingStart, personId, t.Nummer.ToString(CultureInfo.InvariantCulture), calendar.AddWorkingDays(from, 5));
        }

        foreach (var p in EigenBijdragePlanner.Derive(state, policy, tariffs, today))
        {
            if (state.Cak.Any(c => c.Begindatum == p.Begindatum && c.Status == CakPeriodState.Accepted))
            {
                continue;
            }

            var key = p.Begindatum.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            yield return new DueItem(Art2f, personId, key, p.Begindatum.AddMonths(1));
            var firstBilled = new DateOnly(p.Begindatum.Year, p.Begindatum.Month, 1).AddMonths(1);
            yield return new DueItem(Stack, personId, key, firstBilled.AddMonths(stackThreshold - 1));
        }
    }
}

/// <summary>
/// Table <c>termijnen</c>: PartitionKey = due date (yyyyMMdd), RowKey = rule|person|key. The scan reads only the
/// partitions up to the day it runs for, so its cost follows what is due, not the size of the ledger; a row is
/// removed when its rule holds (or its deadline moved), so satisfied deadlines cost nothing later.
/// </summary>
public sealed class DueIndex
{
    public const string TableName = "termijnen";
    private readonly TableClient _table;

    public DueIndex(StorageClient storage) => _table = storage.GetTable(TableName);

    public Task EnsureTableAsync(CancellationToken ct = default) => _table.CreateIfNotExistsAsync(ct);

    public static string Partition(DateOnly due) => due.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    public static string RowKey(DueItem item) => $"{item.Rule}|{item.PersonId}|{item.Key}";

    public Task ScheduleAsync(DueItem item, CancellationToken ct = default) =>
        _table.UpsertAsync(new TableEntity(Partition(item.Due), RowKey(item)) { ["Rule"] = item.Rule, ["PersonId"] = item.PersonId, ["Key"] = item.Key }, TableUpdateMode.Replace, ct);

    /// <summary>Every row due on or before <paramref name="asOf"/>.</summary>
    public async IAsyncEnumerable<DueItem> DueAsync(DateOnly asOf, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var e in _table.QueryAsync(TableFilter.LessThan("PartitionKey", Partition(asOf.AddDays(1))), ct: ct))
        {
            yield return new DueItem(e.GetString("Rule")!, e.GetString("PersonId")!, e.GetString("Key")!,
                DateOnly.ParseExact(e.PartitionKey, "yyyyMMdd", CultureInfo.InvariantCulture));
        }
    }

    public Task RemoveAsync(DueItem item, CancellationToken ct = default) => _table.DeleteAsync(Partition(item.Due), RowKey(item), ct: ct);
}
