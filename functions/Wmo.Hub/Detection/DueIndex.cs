using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Wmo.AzureStorage;
using Wmo.Hub.Cak;
using Wmo.Hub.Chain;
using Wmo.Messages;

namespace Wmo.Hub.Detection;

/// <summary>
/// A deadline: from <see cref="Due"/> on, the rule is broken unless it holds for the subject (a person's toewijzing
/// or period). <see cref="Due"/> is the first day the deadline is missed, not its last day on time.
/// </summary>
/// <param name="Key">What it is about within the person: a ToewijzingNummer, or a period's Begindatum.</param>
public sealed record DueItem(string Rule, string PersonId, string Key, DateOnly Due);

/// <summary>A due-index row as the scan reads it.</summary>
/// <param name="Snapshot">The person's chain (serialized) as of the row's last write; null on message rows and rows from before copies were kept.</param>
/// <param name="ETag">The row's version: the scan removes a row only if nothing rewrote it since it was read.</param>
/// <param name="Partition">Where the row is stored, with <paramref name="Row"/> (rows from before the person shards have other keys).</param>
public sealed record DueRow(DueItem Item, byte[]? Snapshot, ETag ETag, string Partition, string Row);

/// <summary>A start R1 predicts a stack for; <see cref="Unconfirmed"/>: the toewijzing whose start was never reported.</summary>
public sealed record StackBasis(DateOnly Begindatum, DateOnly? Einddatum, long? Kostprijs, ToewijzingState? Unconfirmed);

/// <summary>The deadline rules that go through the due index (domain.md §6.3).</summary>
public static class DueRules
{
    /// <summary>R3 (OP271): a toewijzing expects a WMO305 within 5 working days of its Ingangsdatum (of its receipt when retroactive).</summary>
    public const string MissingStart = "R3-305";

    /// <summary>R3 (OP272, OP363): a delivery whose toewijzing ended expects a WMO307 within 5 working days of the Einddatum.</summary>
    public const string MissingStop = "R3-307";

    /// <summary>R3 (OP274): a WMO315/317 expects a WMO301 or WMO319 within 5 working days (8 weeks after its dagtekening when "in onderzoek").</summary>
    public const string UnansweredRequest = "R3-315";

    /// <summary>R3 (OP090): a heenbericht expects its retour within 3 working days of receipt. Subject: the message.</summary>
    public const string MissingRetour = "R3-retour";

    /// <summary>R3 (OP090x4): a WMO323 expects its WMO325 within 10 working days of receipt. Subject: the message.</summary>
    public const string MissingDeclaratieAntwoord = "R3-325";

    /// <summary>R2 (Uitvoeringsregeling art. 2f): an accepted WMO405 within a month after the voorziening was provided.</summary>
    public const string Art2f = "R2";

    /// <summary>R1: the months that would be billed at once if the CAK received the start now reach the threshold.</summary>
    public const string Stack = "R1";

    /// <summary>
    /// R8: the CAK accepted a start so late that the resident gets a stapelfactuur after all (raised on the WMO406): the
    /// gemeente informs the resident before the bill comes (VWS letter of 1 December 2015, §5).
    /// </summary>
    public const string RealisedStack = "R8";

    /// <summary>R5: the retroactive months exceed the cap the CAK can still levy (raised with R1; the cap is configured).</summary>
    public const string RetroactiveCap = "R5";

    /// <summary>R6: the voorziening ended, but two months on the CAK still has no stop: it keeps levying (over-billing).</summary>
    public const string LateStop = "R6";

    /// <summary>
    /// Not a rule: a day the person's deadlines change by the calendar alone. Under a declaration stop policy a period
    /// ends with its last declaration once the toewijzing's Einddatum has passed, so on that day the scan writes the
    /// person's deadlines again and evaluates those already due (e.g. R6 for a period that ended months ago).
    /// </summary>
    public const string Recheck = "recheck";

    /// <summary>The person a message-level deadline (retours) is filed under: none, the subject is the message.</summary>
    public const string MessageSubject = "bericht";

    /// <summary>
    /// The deadlines a person's chain implies: one per toewijzing without a start, per ended delivery without a stop,
    /// per request without an answer, and per eigen-bijdrage period the CAK has not accepted, the art. 2f deadline and
    /// the day the predicted stack reaches the threshold, and per period that ended without a stop at the CAK, R6.
    /// </summary>
    public static IEnumerable<DueItem> For(string personId, ChainState state, CakPolicy policy, Tariffs tariffs, WorkingDays calendar, DateOnly today, int stackThreshold)
    {
        foreach (var t in state.Toewijzingen.Where(t => !t.Deleted))
        {
            var nummer = t.Nummer.ToString(CultureInfo.InvariantCulture);
            var starts = state.CurrentStarts(t.Nummer).ToList();
            if (starts.Count == 0)
            {
                yield return new DueItem(MissingStart, personId, nummer, MissingStartDue(t, calendar));
            }
            else if (t.Einddatum is { } einde && starts.Any(s => !state.CurrentStops(t.Nummer, s.Begindatum).Any(e => !e.Temporary)))
            {
                yield return new DueItem(MissingStop, personId, nummer, calendar.MissedFrom(einde, 5));
            }
        }

        foreach (var v in state.Verzoeken.Where(v => v.Status != VerzoekState.Beantwoord))
        {
            yield return new DueItem(UnansweredRequest, personId, v.Referentie, v.Status == VerzoekState.InOnderzoek
                ? v.Dagtekening.AddDays(56 + 1)
                : calendar.MissedFrom(DutchTime.DateOf(v.ReceivedOn), 5));
        }

        if (policy.Stop == StopMoment.Declaratie)
        {
            foreach (var day in state.Toewijzingen.Where(t => !t.Deleted && t.Einddatum > today).Select(t => t.Einddatum!.Value).Distinct())
            {
                yield return new DueItem(Recheck, personId, Key(day), day);
            }
        }

        var periods = EigenBijdragePlanner.Derive(state, policy, tariffs, today);
        foreach (var p in periods)
        {
            var key = Key(p.Begindatum);
            if (!state.Cak.Any(c => c.Begindatum == p.Begindatum && c.StartAccepted))
            {
                // Art. 2f: delivered "within one month" after the start; breached from the day after that month.
                yield return new DueItem(Art2f, personId, key, p.Begindatum.AddMonths(1).AddDays(1));
            }

            // R6: a stop the CAK has not accepted is not a stop the CAK has (sent and unanswered, or rejected).
            if (ExpectedEnd(state, p) is { } end && !state.Cak.Any(c => c.Begindatum == p.Begindatum && c.StopAccepted))
            {
                // domain.md R6: m(now) > m(end) + 1, i.e. from the first day of the second month after the end.
                yield return new DueItem(LateStop, personId, key, new DateOnly(end.Year, end.Month, 1).AddMonths(2));
            }
        }

        foreach (var basis in StackBases(state, policy, periods))
        {
            if (StackEstimate.ReachesThreshold(basis.Begindatum, basis.Einddatum, stackThreshold) is { } reaches)
            {
                // An unconfirmed stack is predicted only while the start is overdue (R3-305 open).
                var due = basis.Unconfirmed is { } t && MissingStartDue(t, calendar) is var overdue && overdue > reaches ? overdue : reaches;
                yield return new DueItem(Stack, personId, Key(basis.Begindatum), due);
            }
        }
    }

    private static string Key(DateOnly begindatum) => begindatum.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The first day a toewijzing's start (WMO305) is late: 5 working days after its Ingangsdatum, or after its receipt when retroactive (OP271).</summary>
    public static DateOnly MissingStartDue(ToewijzingState t, WorkingDays calendar)
    {
        var received = DutchTime.DateOf(t.ReceivedOn);
        return calendar.MissedFrom(t.Ingangsdatum < received ? received : t.Ingangsdatum, 5);
    }

    /// <summary>
    /// The starts R1 predicts a stack for: every period whose start the CAK has not accepted; and, under a start or
    /// declaration policy while the person has no period yet, the earliest counted toewijzing whose start was never
    /// reported (<see cref="StackBasis.Unconfirmed"/>): if care began on its Ingangsdatum, months are already stacking.
    /// </summary>
    public static IEnumerable<StackBasis> StackBases(ChainState state, CakPolicy policy, IReadOnlyList<DerivedPeriod> periods)
    {
        foreach (var p in periods.Where(p => !state.Cak.Any(c => c.Begindatum == p.Begindatum && c.StartAccepted)))
        {
            yield return new StackBasis(p.Begindatum, p.Einddatum, p.Kostprijs, null);
        }

        if (periods.Count == 0 && policy.Start != StartMoment.Toewijzing
            && state.Toewijzingen.Where(t => !t.Deleted && policy.Counts(t.Categorie) && !state.CurrentStarts(t.Nummer).Any())
                .OrderBy(t => t.Ingangsdatum).ThenBy(t => t.Nummer).FirstOrDefault() is { } first)
        {
            yield return new StackBasis(first.Ingangsdatum, first.Einddatum, policy.HasKostprijs(first.Categorie) ? first.Budget : null, first);
        }
    }

    /// <summary>
    /// When the voorziening of a period ended: its stop under the policy, or else (no stop reported) the last
    /// Einddatum of the toewijzingen it covers, once every one of them has an end.
    /// </summary>
    public static DateOnly? ExpectedEnd(ChainState state, DerivedPeriod period)
    {
        if (period.Einddatum is { } end)
        {
            return end;
        }

        // Every toewijzing still relevant to the period: one without an end keeps the voorziening open.
        var covering = state.Toewijzingen.Where(t => !t.Deleted && (t.Einddatum is null || t.Einddatum >= period.Begindatum)).ToList();
        return covering.Count > 0 && covering.All(t => t.Einddatum is not null) ? covering.Max(t => t.Einddatum) : null;
    }

    /// <summary>The retour deadline of a heenbericht routed through the hub (OP090, OP090x4), or none when it gets no retour.</summary>
    public static DueItem? ForMessage(Guid messageId, MessageType type, DateOnly received, WorkingDays calendar) =>
        MessageCatalog.AnswerTo(type) is not { } answer || type.Sender == PartyKind.Cak || answer.Sender == PartyKind.Cak
            ? null
            : answer == MessageCatalog.Wmo325
                ? new DueItem(MissingDeclaratieAntwoord, MessageSubject, messageId.ToString("N"), calendar.MissedFrom(received, 10))
                : new DueItem(MissingRetour, MessageSubject, messageId.ToString("N"), calendar.MissedFrom(received, 3));
}

/// <summary>
/// Table <c>termijnen</c>: PartitionKey = <c>due|s</c>, s one of 16 shards by person (or message); RowKey =
/// yyyyMMdd|person|rule|key. All deadlines of one person share a partition, so a chain change rewrites them in one
/// transaction (one request, not one per deadline); within it they sort by day, and a person's deadlines of a day are
/// adjacent, so the scan evaluates them together while it is still reading. The scan reads, per shard, only the rows
/// up to the day it runs for, so its cost follows what is due, not the size of the ledger; a row is removed when its
/// rule holds (or its deadline moved), so the partitions hold only open deadlines. Sixteen shards keep each
/// partition's writes under its throughput (≈ 2,000 entities/s) at the whole country's volume (docs/scaling.md).
/// A person's row carries a copy of the person's chain (<see cref="DeadlineSync"/> keeps it current), so the scan
/// raises alerts without reading the ledger; it reads the ledger only before it removes or moves a row.
/// Rows written before the shards (PartitionKey yyyyMMdd or yyyyMMdd|s, RowKey person|rule|key) are still read and removed.
/// </summary>
public sealed class DueIndex
{
    public const string TableName = "termijnen";
    private readonly TableClient _table;
    private readonly TableGroupCommit _group;

    /// <param name="tableName">Another table than <c>termijnen</c>: isolates a test's or benchmark's deadlines.</param>
    public DueIndex(StorageClients storage, string tableName = TableName)
    {
        _table = storage.GetTable(tableName);
        _group = storage.GroupCommit;
    }

    public Task EnsureTableAsync(CancellationToken ct = default) => _table.CreateIfNotExistsAsync(cancellationToken: ct);

    public static string Partition(DueItem item) => ShardPrefix + Shard(item.PersonId == DueRules.MessageSubject ? item.Key : item.PersonId);

    // After every date ("2…") and after "scan": neither the scan's own row nor a legacy day range reads it.
    private const string ShardPrefix = "due|";

    private static string Day(DateOnly due) => due.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    /// <summary>A stable hash (not string.GetHashCode, which differs per process) to one of 16 hex digits.</summary>
    private static char Shard(string subject)
    {
        var hash = 0u;
        foreach (var c in subject)
        {
            hash = unchecked((hash * 31) + c);
        }

        return Shards[(int)(hash % 16)];
    }

    public static string RowKey(DueItem item) => $"{Day(item.Due)}|{item.PersonId}|{item.Rule}|{item.Key}";

    /// <summary>A message's deadline (retours): the scan looks the message up.</summary>
    public Task ScheduleAsync(DueItem item, CancellationToken ct = default) => _group.UpsertAsync(_table, Row(item, null), TableUpdateMode.Replace, ct);

    /// <summary>
    /// Writes a person's deadlines, each with the copy of the chain they were computed from. A person's rows share a
    /// partition (the person's shard), and concurrent writers into one shard share transactions (group commit), so
    /// a change that touches five deadlines costs at most one request, and under load a fraction of one.
    /// </summary>
    public Task ScheduleAsync(IEnumerable<DueItem> items, byte[] snapshot, CancellationToken ct = default) =>
        _group.UpsertAsync(_table, items.Distinct().Select(item => Row(item, snapshot)), TableUpdateMode.Replace, ct);

    /// <summary>Schedules many deadlines at once (bulk loads), one transaction after another per partition.</summary>
    public Task ScheduleManyAsync(IEnumerable<(DueItem Item, byte[]? Snapshot)> items, CancellationToken ct = default) =>
        WriteAsync(items.Select(i => Row(i.Item, i.Snapshot)), ct);

    /// <summary>
    /// Upserts rows grouped by partition, at most 50 per transaction: a row may carry a chain of up to 64 KiB and a
    /// transaction at most 4 MiB. The last copy of a row wins, as with separate upserts.
    /// </summary>
    private async Task WriteAsync(IEnumerable<TableEntity> rows, CancellationToken ct)
    {
        var chunks = rows.GroupBy(r => r.PartitionKey, StringComparer.Ordinal)
            .SelectMany(p => p.GroupBy(r => r.RowKey, StringComparer.Ordinal).Select(r => r.Last()).Chunk(50));
        Task Write(TableEntity[] chunk) => chunk.Length == 1
            ? _table.UpsertAsync(chunk[0], TableUpdateMode.Replace, ct)
            : _table.SubmitBatchAsync([.. chunk.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, r))], ct);
        foreach (var chunk in chunks)
        {
            await Write(chunk);
        }
    }

    private static TableEntity Row(DueItem item, byte[]? snapshot) =>
        new(Partition(item), RowKey(item)) { ["Rule"] = item.Rule, ["PersonId"] = item.PersonId, ["Key"] = item.Key, ["State"] = snapshot };

    /// <summary>Every row due on or before <paramref name="asOf"/>: per shard a range of its rows, then any rows from before the shards.</summary>
    public async IAsyncEnumerable<DueRow> DueAsync(DateOnly asOf, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        var after = Day(asOf.AddDays(1));
        foreach (var shard in Shards)
        {
            var filter = TableFilter.And(TableFilter.PartitionKeyEquals(ShardPrefix + shard), TableFilter.LessThan("RowKey", after));
            await foreach (var e in _table.QueryAsync(filter, ct: ct))
            {
                yield return Read(e, e.RowKey);
            }
        }

        // Rows from before the shards: PartitionKey the date ("yyyyMMdd" or "yyyyMMdd|s"), which sorts before the next day.
        await foreach (var e in _table.QueryAsync(TableFilter.LessThan("PartitionKey", after), ct: ct))
        {
            yield return Read(e, e.PartitionKey);
        }
    }

    private const string Shards = "0123456789abcdef";

    private static DueRow Read(TableEntity e, string dated) => new(
        new DueItem(e.GetString("Rule")!, e.GetString("PersonId")!, e.GetString("Key")!, DateOnly.ParseExact(dated.AsSpan(0, 8), "yyyyMMdd", CultureInfo.InvariantCulture)),
        e.GetBinary("State"), e.ETag, e.PartitionKey, e.RowKey);

    // The scan's own row: partition "scan" sorts after every date, so DueAsync never reads it.
    private const string ScanPartition = "scan";

    /// <summary>
    /// The latest day a scan completed for. A deadline due after it has never been scanned, so its alert does not
    /// exist yet and can be inserted in a batch; an earlier one may have an alert to update.
    /// </summary>
    public async Task<DateOnly?> LastScanAsync(CancellationToken ct = default) =>
        await _table.GetAsync(ScanPartition, "last", ct) is { } e && e.GetString("AsOf") is { } day
            ? DateOnly.ParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture) : null;

    /// <summary>Records a completed scan (a re-run of an earlier day leaves the latest day as it is).</summary>
    public async Task RecordScanAsync(DateOnly asOf, CancellationToken ct = default)
    {
        if (await LastScanAsync(ct) is not { } last || asOf > last)
        {
            await _table.UpsertAsync(new TableEntity(ScanPartition, "last") { ["AsOf"] = asOf.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) }, TableUpdateMode.Replace, ct);
        }
    }

    /// <summary>Removes a row the scan read, unless it was rewritten since (then the newer row stands): false in that case.</summary>
    public async Task<bool> RemoveAsync(DueRow row, CancellationToken ct = default)
    {
        try
        {
            await _table.DeleteAsync(row.Partition, row.Row, row.ETag, ct);
            return true;
        }
        catch (RequestFailedException ex) when (ex.IsPreconditionFailed)
        {
            return false;
        }
    }
}
