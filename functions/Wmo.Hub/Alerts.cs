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
        _time = time;
        _notifications = notifications;
        _logger = logger ?? (ILogger)Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    }

    public Task EnsureTableAsync(CancellationToken ct = default) => _table.CreateIfNotExistsAsync(cancellationToken: ct);

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
                        await RaiseAsync(alert, token);
                    }
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

        existing["Status"] = AlertStatus.Resolved;
        existing["ResolvedAt"] = _time.GetUtcNow();
        existing["Resolution"] = resolution;
        await AnnounceAsync(FromEntity(existing), Notifications.Notification.Resolved, ct);
        try
        {
            await _table.UpdateAsync(existing, existing.ETag!, TableUpdateMode.Replace, ct);
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
            return FromEntity(e);
        }

        return null;
    }

    /// <summary>One page of alerts matching the filter, newest first within the page.</summary>
    public async Task<(IReadOnlyList<Alert> Items, string? Next)> ListAsync(AlertFilter filter, int pageSize, string? continuation, CancellationToken ct = default)
    {
        var clauses = new List<string>();
        if (filter.Gemeente is { } g)
        {
            clauses.Add(TableFilter.PartitionKeyEquals(g));
        }

        void Add(string property, string? value)
        {
            if (value is not null)
            {
                clauses.Add(TableFilter.Equal(property, value));
            }
        }

        Add("Owner", filter.Owner);
        Add("Aanbieder", filter.Aanbieder);
        Add("Rule", filter.Rule);
        Add("Severity", filter.Severity);
        Add("Status", filter.Status);
        Add("PersonId", filter.PersonId);
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
