using Microsoft.Extensions.Logging;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Wmo.AzureStorage;

namespace Wmo.Hub;

public static class AlertSeverity
{
    public const string Warning = "warning";
    public const string Critical = "critical";

    public static int Rank(string severity) => severity == Critical ? 2 : 1;
}

public static class AlertStatus
{
    public const string Open = "open";
    public const string Acknowledged = "acknowledged";
    public const string Resolved = "resolved";
}

/// <summary>The rules that raise alerts outside the timer scan (the detection rules R1–R7 add theirs).</summary>
public static class AlertRules
{
    /// <summary>A message failed every attempt and waits in the poison list.</summary>
    public const string Poisoned = "HUB-POISON";

    /// <summary>R4: the CAK rejected a WMO405; the person stays "not delivered" until a corrected one is accepted.</summary>
    public const string CakRejected = "R4";

    /// <summary>The relay cannot reach the CAK: WMO405 messages are waiting.</summary>
    public const string CakUnreachable = "CAK-DELIVERY";
}

/// <summary>One alert: what is wrong, for whom, who can act, and what is at stake.</summary>
/// <param name="Subject">What the alert is about (a message id, a person id, "cak-relay").</param>
/// <param name="Period">Which occurrence (a WMO405 id, a day): one alert per rule, subject and period.</param>
/// <param name="Owner">The party that can act: a gemeente, an aanbieder, or "CAK-liaison".</param>
public sealed record Alert(
    string Id, string Rule, string Severity, string Status, string Owner, string Subject, string Period,
    string? Gemeente, string? Aanbieder, long? ToewijzingNummer, string? MaskedBsn, string? PersonId,
    DateTimeOffset DetectedAt, DateTimeOffset? DueSince, int? MonthsAtRisk, long? AmountAtRiskCents, string Explanation,
    DateTimeOffset? ResolvedAt = null, string? Resolution = null, DateTimeOffset? AcknowledgedAt = null, string? Note = null)
{
    /// <summary>How often the alert came back after being resolved (part of its notifications' ids).</summary>
    public int Occurrence { get; init; }

    /// <summary>R1 predicted from a toewijzing whose start was never reported: the stack is likely, not confirmed.</summary>
    public bool Unconfirmed { get; init; }
}

public sealed record AlertFilter(
    string? Owner = null, string? Gemeente = null, string? Aanbieder = null, string? Rule = null, string? Severity = null, string? Status = null,
    string? PersonId = null);

/// <summary>
/// Table <c>alerts</c>, partitioned by gemeente (hub-wide alerts in partition <c>hub</c>). The row key is a hash of
/// rule, subject and period, so raising the same alert again (a second scan, a retry) updates it: it escalates
/// (warning → critical) instead of repeating, and a resolved alert stays resolved until the cause comes back.
/// </summary>
public sealed class Alerts
{
    public const string TableName = "alerts";
    public const string CakLiaison = "CAK-liaison";

    /// <summary>The longest note an alert keeps; a longer one is refused, never cut.</summary>
    public const int MaxNoteLength = 2000;
    private readonly TableClient _table;
    private readonly TimeProvider _time;
    private readonly Notifications.NotificationOutbox? _notifications;
    private readonly ILogger _logger;

    /// <param name="notifications">Where raised, escalated and resolved alerts are announced; null announces nothing.</param>
    /// <param name="logger">
    /// Where a raised or escalated alert is logged; raised while a message is routed, the line carries its BerichtId.
    /// </param>
    public Alerts(StorageClients storage, TimeProvider time, Notifications.NotificationOutbox? notifications = null, ILogger<Alerts>? logger = null)
    {
        _table = storage.GetTable(TableName);
        _index = storage.GetTable(IndexTableName);
        _directory = storage.GetTable(DirectoryTableName);
        _group = storage.GroupCommit;
        _time = time;
        _notifications = notifications;
        _logger = logger ?? (ILogger)Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    }

    public async Task EnsureTableAsync(CancellationToken ct = default)
    {
        await _table.CreateIfNotExistsAsync(cancellationToken: ct);
        await _index.CreateIfNotExistsAsync(cancellationToken: ct);
        await _directory.CreateIfNotExistsAsync(cancellationToken: ct);
    }

    /// <summary>
    /// Table <c>alertindex</c>: every alert that is not resolved once more, under its <see cref="UrgencyKey"/>, so a page
    /// of the most urgent alerts across all gemeenten is read in key order (the alerts table is partitioned by
    /// gemeente). The rows are spread over small partitions, each a prefix of the key (<see cref="IndexPartition"/>:
    /// severity and amount), listed in table <c>alertindexdir</c> with the open count:
    /// a page reads the short list, then only the first partitions instead of all open alerts. Written after each change
    /// of an alert; a crash in between is repaired by <see cref="RepairIndexAsync"/> (the backlog refresh, every ten minutes).
    /// </summary>
    public const string IndexTableName = "alertindex";
    public const string DirectoryTableName = "alertindexdir";
    private const string DirectoryPartition = "dir";
    private const string CountPartition = "count";
    private readonly TableClient _index;
    private readonly TableClient _directory;
    private readonly TableGroupCommit _group;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _knownPartitions = new(StringComparer.Ordinal);

    /// <summary>
    /// Most urgent first in ordinal order: critical before warning, then the larger amount at risk, then the longer
    /// overdue (earlier DueSince), then the id (stable).
    /// </summary>
    public static string UrgencyKey(Alert a) => string.Create(CultureInfo.InvariantCulture,
        $"{(a.Severity == AlertSeverity.Critical ? 0 : 1)}|{999_999_999_999L - Math.Clamp(a.AmountAtRiskCents ?? 0, 0, 999_999_999_999L):D12}|{(a.DueSince ?? a.DetectedAt).UtcTicks:D19}|{a.Id}");

    /// <summary>
    /// The index partition of a key: its first 19 characters (severity, amount, and DueSince to about three years), so
    /// partitions sort as keys do. Coarse on purpose: every partition a page touches is a storage query, and the first
    /// page should mostly be one; fine enough that no single partition takes all alert writes.
    /// </summary>
    public static string IndexPartition(string urgencyKey) => urgencyKey[..19];

    /// <summary>Brings the index in line with the alert: its row under the current key while open, none once resolved.</summary>
    private async Task IndexAsync(Alert alert, Alert? before, CancellationToken ct)
    {
        var key = UrgencyKey(alert);
        if (alert.Status != AlertStatus.Resolved)
        {
            await ListPartitionAsync(IndexPartition(key), ct);
            // Alerts of like urgency share a partition (new warnings of one period all do): concurrent raises share the write.
            await _group.UpsertAsync(_index, IndexEntity(key, alert), TableUpdateMode.Replace, ct);
        }

        if (before is not null && (UrgencyKey(before) != key || alert.Status == AlertStatus.Resolved))
        {
            await _index.DeleteAsync(IndexPartition(UrgencyKey(before)), UrgencyKey(before), ct: ct);
        }
    }

    /// <summary>Records that an index partition exists (once per instance; an empty one is pruned by the repair pass).</summary>
    private async Task ListPartitionAsync(string partition, CancellationToken ct)
    {
        if (_knownPartitions.ContainsKey(partition))
        {
            return;
        }

        await _directory.UpsertAsync(new TableEntity(DirectoryPartition, partition), TableUpdateMode.Replace, ct);
        _knownPartitions[partition] = true;
    }

    private static TableEntity IndexEntity(string key, Alert a)
    {
        var e = ToEntity(IndexPartition(key), a);
        e.RowKey = key;
        e["Id"] = a.Id;
        return e;
    }

    private static Alert FromIndexEntity(TableEntity e) => FromEntity(e) with { Id = e.GetString("Id") ?? e.RowKey };

    /// <summary>
    /// One page of open (not resolved) alerts across all gemeenten, most urgent first, with the filter applied on the
    /// index (gemeente, owner, aanbieder, rule, severity, status). The continuation names the partition to go on in.
    /// </summary>
    public async Task<(IReadOnlyList<Alert> Items, string? Next)> ListUrgentAsync(AlertFilter filter, int pageSize, string? continuation, CancellationToken ct = default)
    {
        var clauses = Clauses(filter, gemeenteAsProperty: true);
        var (startPartition, storageContinuation) = continuation?.Split('\n', 2) is [var part, var rest] ? (part, rest.Length == 0 ? null : rest) : (null, null);
        var partitions = new List<string>();
        await foreach (var dir in _directory.QueryAsync(TableFilter.PartitionKeyEquals(DirectoryPartition), select: ["RowKey"], ct: ct))
        {
            if (startPartition is null || string.CompareOrdinal(dir.RowKey, startPartition) >= 0)
            {
                partitions.Add(dir.RowKey);
            }
        }

        partitions.Sort(StringComparer.Ordinal);
        var items = new List<Alert>();
        // A selective filter (one owner, one rule) finds little per partition: once a page has taken a fifth of a second
        // (and found something, or a second without), it returns what it has with the continuation, so no page waits on a
        // query of every partition. Unfiltered, the first partitions fill a page well within that.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < partitions.Count; i++)
        {
            if (i > 0 && (clock.Elapsed > TimeSpan.FromMilliseconds(200) && items.Count > 0 || clock.Elapsed > TimeSpan.FromSeconds(1)))
            {
                return (items, partitions[i] + "\n");
            }

            var partition = partitions[i];
            var query = TableFilter.And([TableFilter.PartitionKeyEquals(partition), .. clauses]);
            var page = await _index.QueryPageAsync(query, pageSize - items.Count, partition == startPartition ? storageContinuation : null, ct: ct);
            items.AddRange(page.Entities.Select(FromIndexEntity));
            if (items.Count >= pageSize)
            {
                var next = page.Continuation is { } more ? partition + "\n" + more : i + 1 < partitions.Count ? partitions[i + 1] + "\n" : null;
                return (items, next);
            }

            if (page.Continuation is { } unfinished)
            {
                // The service returned less than asked with more to come (it does that at partition or size limits).
                return (items, partition + "\n" + unfinished);
            }
        }

        return (items, null);
    }

    /// <summary>The filter as table clauses; in the alerts table the gemeente is the partition, in the index a property.</summary>
    private static List<string> Clauses(AlertFilter filter, bool gemeenteAsProperty)
    {
        var clauses = new List<string>();
        void Add(string property, string? value)
        {
            if (value is not null)
            {
                clauses.Add(TableFilter.Equal(property, value));
            }
        }

        if (filter.Gemeente is { } g)
        {
            clauses.Add(gemeenteAsProperty ? TableFilter.Equal("Gemeente", g) : TableFilter.PartitionKeyEquals(g));
        }

        Add("Owner", filter.Owner);
        Add("Aanbieder", filter.Aanbieder);
        Add("Rule", filter.Rule);
        Add("Severity", filter.Severity);
        Add("Status", filter.Status);
        Add("PersonId", filter.PersonId);
        return clauses;
    }

    /// <summary>How many alerts are open (and how many of them critical), as the last repair counted them, and when.</summary>
    public async Task<(int Open, int Critical, DateTimeOffset? CountedAt)> OpenCountAsync(CancellationToken ct = default) =>
        await _directory.GetAsync(CountPartition, "open", ct) is { } e
            ? (e.GetInt32("Open") ?? 0, e.GetInt32("Critical") ?? 0, e.GetDateTimeOffset("CountedAt"))
            : (0, 0, null);

    /// <summary>
    /// Makes the index match the alerts (missing rows written, stale ones replaced or removed, empty partitions taken off
    /// the list; also fills it for alerts raised before it existed) and records the open and critical counts. Returns
    /// how many rows it corrected.
    /// </summary>
    public async Task<int> RepairIndexAsync(CancellationToken ct = default)
    {
        var expected = new Dictionary<string, Alert>(StringComparer.Ordinal);
        var notResolved = $"{TableFilter.Equal("Status", AlertStatus.Open)} or {TableFilter.Equal("Status", AlertStatus.Acknowledged)}";
        await foreach (var e in _table.QueryAsync(notResolved, ct: ct))
        {
            var alert = FromEntity(e);
            expected[UrgencyKey(alert)] = alert;
        }

        var corrected = 0;
        var present = new HashSet<string>(StringComparer.Ordinal);
        var listed = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var dir in _directory.QueryAsync(TableFilter.PartitionKeyEquals(DirectoryPartition), select: ["RowKey"], ct: ct))
        {
            listed.Add(dir.RowKey);
        }

        await foreach (var row in _index.QueryAsync(null, ct: ct))
        {
            present.Add(row.RowKey);
            if (!expected.TryGetValue(row.RowKey, out var alert))
            {
                await _index.DeleteAsync(row.PartitionKey, row.RowKey, ct: ct);
                corrected++;
            }
            else if (FromIndexEntity(row) != alert)
            {
                await _index.UpsertAsync(IndexEntity(row.RowKey, alert), TableUpdateMode.Replace, ct);
                corrected++;
            }
        }

        foreach (var (key, alert) in expected.Where(p => !present.Contains(p.Key)))
        {
            await _index.UpsertAsync(IndexEntity(key, alert), TableUpdateMode.Replace, ct);
            corrected++;
        }

        var used = expected.Keys.Select(IndexPartition).ToHashSet(StringComparer.Ordinal);
        foreach (var partition in used.Except(listed))
        {
            await _directory.UpsertAsync(new TableEntity(DirectoryPartition, partition), TableUpdateMode.Replace, ct);
        }

        foreach (var empty in listed.Except(used))
        {
            await _directory.DeleteAsync(DirectoryPartition, empty, ct: ct);
            _knownPartitions.TryRemove(empty, out _);
        }

        await _directory.UpsertAsync(new TableEntity(CountPartition, "open")
        {
            ["Open"] = expected.Count, ["Critical"] = expected.Values.Count(a => a.Severity == AlertSeverity.Critical), ["CountedAt"] = _time.GetUtcNow(),
        }, TableUpdateMode.Replace, ct);
        return corrected;
    }

    public static string IdOf(string rule, string subject, string period) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{rule}|{subject}|{period}")).AsSpan(0, 12));

    /// <summary>
    /// Raises an alert, or updates the one already raised for the same rule, subject and period: a higher severity
    /// escalates it, the figures are refreshed, and an acknowledged alert keeps its acknowledgement.
    /// </summary>
    public async Task<Alert> RaiseAsync(Alert alert, CancellationToken ct = default)
    {
        var pk = alert.Gemeente ?? "hub";
        for (var attempt = 0; ; attempt++)
        {
            var existing = await _table.GetAsync(pk, alert.Id, ct);
            if (existing is null)
            {
                // Announced first (idempotently): a crash in between leaves the notification, and the retry the alert.
                await AnnounceAsync(alert, Notifications.Notification.Raised, ct);
                if ((await _table.InsertIfAbsentAsync(ToEntity(pk, alert), ct)).Inserted)
                {
                    await IndexAsync(alert, null, ct);
                    _logger.LogInformation("Alert {AlertId} raised: {Rule} {Severity} for {Owner}", alert.Id, alert.Rule, alert.Severity, alert.Owner);
                    return alert;
                }

                continue;
            }

            var current = FromEntity(existing);
            var merged = alert with
            {
                DetectedAt = current.DetectedAt,
                Severity = AlertSeverity.Rank(alert.Severity) >= AlertSeverity.Rank(current.Severity) ? alert.Severity : current.Severity,
                Status = current.Status == AlertStatus.Resolved ? AlertStatus.Open : current.Status,
                AcknowledgedAt = current.Status == AlertStatus.Resolved ? null : current.AcknowledgedAt,
                Note = current.Note,
                Occurrence = current.Status == AlertStatus.Resolved ? current.Occurrence + 1 : current.Occurrence,
            };
            if (merged == current)
            {
                return current; // nothing changed (the same day scanned again): no write
            }

            if (current.Status == AlertStatus.Resolved)
            {
                await AnnounceAsync(merged, Notifications.Notification.Raised, ct);
            }
            else if (merged.Severity != current.Severity)
            {
                await AnnounceAsync(merged, Notifications.Notification.Escalated, ct);
            }

            try
            {
                await _table.UpdateAsync(ToEntity(pk, merged), existing.ETag!, TableUpdateMode.Replace, ct);
                await IndexAsync(merged, current, ct);
                if (current.Status == AlertStatus.Resolved || merged.Severity != current.Severity)
                {
                    _logger.LogInformation("Alert {AlertId} {Change}: {Rule} {Severity} for {Owner}", merged.Id,
                        current.Status == AlertStatus.Resolved ? "raised again" : "escalated", merged.Rule, merged.Severity, merged.Owner);
                }

                return merged;
            }
            catch (RequestFailedException ex) when (ex.IsPreconditionFailed && attempt < 5)
            {
            }
        }
    }

    /// <summary>
    /// Raises alerts that are most likely new (the scan had not raised them before), in entity-group transactions of
    /// up to 100 per gemeente, which is what lets a scan raise tens of thousands in seconds. A transaction that meets
    /// an existing alert falls back to <see cref="RaiseAsync"/> for each of its alerts, so the outcome is the same.
    /// </summary>
    public Task RaiseNewAsync(IReadOnlyList<Alert> alerts, int parallelism = 8, CancellationToken ct = default) =>
        Parallel.ForEachAsync(alerts.GroupBy(a => a.Gemeente ?? "hub").SelectMany(g => g.DistinctBy(a => a.Id).Chunk(100)),
            new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = ct }, async (chunk, token) =>
            {
                foreach (var alert in chunk)
                {
                    await AnnounceAsync(alert, Notifications.Notification.Raised, token);
                }

                try
                {
                    await _table.SubmitBatchAsync([.. chunk.Select(a => new TableTransactionAction(TableTransactionActionType.Add, ToEntity(a.Gemeente ?? "hub", a)))], token);
                }
                catch (TableTransactionFailedException ex) when (ex.IsConflict)
                {
                    foreach (var alert in chunk)
                    {
                        await RaiseAsync(alert, token); // indexes each alert itself
                    }

                    return;
                }

                // The chunk's index rows, a transaction per index partition.
                foreach (var part in chunk.Where(a => a.Status != AlertStatus.Resolved).GroupBy(a => IndexPartition(UrgencyKey(a))))
                {
                    await ListPartitionAsync(part.Key, token);
                    await _index.SubmitBatchAsync([.. part.Select(a => new TableTransactionAction(TableTransactionActionType.UpsertReplace, IndexEntity(UrgencyKey(a), a)))], token);
                }
            });

    /// <summary>Resolves an alert when the missing message arrived or the cause went away, recording how.</summary>
    public async Task<bool> ResolveAsync(string? gemeente, string id, string resolution, CancellationToken ct = default)
    {
        var pk = gemeente ?? "hub";
        var existing = await _table.GetAsync(pk, id, ct);
        if (existing is null || existing.GetString("Status") == AlertStatus.Resolved)
        {
            return false;
        }

        var before = FromEntity(existing);
        existing["Status"] = AlertStatus.Resolved;
        existing["ResolvedAt"] = _time.GetUtcNow();
        existing["Resolution"] = resolution;
        await AnnounceAsync(FromEntity(existing), Notifications.Notification.Resolved, ct);
        try
        {
            await _table.UpdateAsync(existing, existing.ETag!, TableUpdateMode.Replace, ct);
            await IndexAsync(FromEntity(existing), before, ct);
            return true;
        }
        catch (RequestFailedException ex) when (ex.IsPreconditionFailed)
        {
            return false;
        }
    }

    private Task AnnounceAsync(Alert alert, string kind, CancellationToken ct) =>
        _notifications is null ? Task.CompletedTask : _notifications.AnnounceAsync(alert, kind, alert.Occurrence, ct);

    /// <summary>One alert by its id (whatever its gemeente).</summary>
    public async Task<Alert?> GetAsync(string id, CancellationToken ct = default) => await FindAsync(id, ct) is { } e ? FromEntity(e) : null;

    private async Task<TableEntity?> FindAsync(string id, CancellationToken ct)
    {
        await foreach (var e in _table.QueryAsync(TableFilter.Equal("RowKey", id), ct: ct))
        {
            return e;
        }

        return null;
    }

    /// <summary>An officer acknowledges an alert with a note; it stays visible until it is resolved.</summary>
    public async Task<Alert?> AcknowledgeAsync(string id, string note, Func<Alert, bool> mayAct, CancellationToken ct = default)
    {
        if (await FindAsync(id, ct) is { } e)
        {
            var alert = FromEntity(e);
            if (!mayAct(alert))
            {
                return null;
            }

            e["AcknowledgedAt"] = _time.GetUtcNow();
            if (note.Length > MaxNoteLength)
            {
                throw new ArgumentException($"A note is at most {MaxNoteLength} characters.", nameof(note));
            }

            e["Note"] = note;
            if (alert.Status == AlertStatus.Open)
            {
                e["Status"] = AlertStatus.Acknowledged;
            }

            await _table.UpdateAsync(e, e.ETag!, TableUpdateMode.Replace, ct);
            await IndexAsync(FromEntity(e), alert, ct);
            return FromEntity(e);
        }

        return null;
    }

    /// <summary>One page of alerts matching the filter, newest first within the page.</summary>
    public async Task<(IReadOnlyList<Alert> Items, string? Next)> ListAsync(AlertFilter filter, int pageSize, string? continuation, CancellationToken ct = default)
    {
        var clauses = Clauses(filter, gemeenteAsProperty: false);
        var page = await _table.QueryPageAsync(clauses.Count == 0 ? null : TableFilter.And([.. clauses]), pageSize, continuation, ct: ct);
        return ([.. page.Entities.Select(FromEntity)], page.Continuation);
    }

    /// <summary>The alerts the CAK backlog counts (R1, R2 and R4, open and resolved, for the trend), in every gemeente.</summary>
    public async Task<IReadOnlyList<Alert>> ForBacklogAsync(CancellationToken ct = default)
    {
        var all = new List<Alert>();
        var filter = string.Join(" or ", new[] { Detection.DueRules.Stack, Detection.DueRules.Art2f, AlertRules.CakRejected, Detection.DueRules.RealisedStack }.Select(r => "(" + TableFilter.Equal("Rule", r) + ")"));
        await foreach (var e in _table.QueryAsync(filter, ct: ct))
        {
            all.Add(FromEntity(e));
        }

        return all;
    }

    private static TableEntity ToEntity(string pk, Alert a) => new(pk, a.Id)
    {
        ["Rule"] = a.Rule, ["Severity"] = a.Severity, ["Status"] = a.Status, ["Owner"] = a.Owner, ["Subject"] = a.Subject, ["Period"] = a.Period,
        ["Gemeente"] = a.Gemeente, ["Aanbieder"] = a.Aanbieder, ["ToewijzingNummer"] = a.ToewijzingNummer, ["MaskedBsn"] = a.MaskedBsn,
        ["PersonId"] = a.PersonId, ["DetectedAt"] = a.DetectedAt, ["DueSince"] = a.DueSince, ["MonthsAtRisk"] = a.MonthsAtRisk,
        ["AmountAtRiskCents"] = a.AmountAtRiskCents, ["Explanation"] = a.Explanation, ["ResolvedAt"] = a.ResolvedAt, ["Resolution"] = a.Resolution,
        ["AcknowledgedAt"] = a.AcknowledgedAt, ["Note"] = a.Note, ["Occurrence"] = a.Occurrence, ["Unconfirmed"] = a.Unconfirmed,
    };

    private static Alert FromEntity(TableEntity e) => new(
        e.RowKey, e.GetString("Rule")!, e.GetString("Severity")!, e.GetString("Status")!, e.GetString("Owner")!, e.GetString("Subject") ?? string.Empty,
        e.GetString("Period") ?? string.Empty, e.GetString("Gemeente"), e.GetString("Aanbieder"), e.GetWholeNumber("ToewijzingNummer"), e.GetString("MaskedBsn"),
        e.GetString("PersonId"), e.GetDateTimeOffset("DetectedAt") ?? default, e.GetDateTimeOffset("DueSince"), e.GetInt32("MonthsAtRisk"), e.GetWholeNumber("AmountAtRiskCents"),
        e.GetString("Explanation") ?? string.Empty, e.GetDateTimeOffset("ResolvedAt"), e.GetString("Resolution"), e.GetDateTimeOffset("AcknowledgedAt"), e.GetString("Note"))
    {
        Occurrence = e.GetInt32("Occurrence") ?? 0,
        Unconfirmed = e.GetBoolean("Unconfirmed") ?? false,
    };

    /// <summary>A date as Dutch readers write it (23-11-2026 style, without leading zeros), for explanations and pages.</summary>
    public static string Date(DateOnly d) => d.ToString("d-M-yyyy", CultureInfo.InvariantCulture);
}
