using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Wmo.AzureStorage;

namespace Wmo.Hub;

/// <summary>The steps a message goes through, in the order they normally happen.</summary>
public static class MessageStatus
{
    public const string Received = "received";
    public const string Validated = "validated";
    public const string Queued = "queued";
    public const string Failed = "failed";
    public const string Poisoned = "poisoned";
    public const string Replayed = "replayed";
    public const string Routed = "routed";
    public const string Rejected = "rejected";
    public const string Delivered = "delivered";
    public const string Downloaded = "downloaded";
    public const string Acknowledged = "acknowledged";
    public const string Answered = "answered";
}

/// <summary>What the hub knows of one message: who sent it to whom, where its XML is, which person it concerns.</summary>
/// <param name="BodyHash">SHA-256 of the XML intake registered (hex); a resumed attempt must carry the same bytes.</param>
/// <param name="ClaimedUntil">Until when the intake attempt that registered (or resumed) it is presumed alive (wall clock).</param>
public sealed record MessageRecord(
    Guid Id,
    string Bericht,
    string Afzender,
    string Geadresseerde,
    string Identificatie,
    DateOnly Dagtekening,
    string Blob,
    DateTimeOffset ReceivedOn,
    string? Person,
    Guid? Answers,
    bool Queued,
    string? BodyHash = null,
    DateTimeOffset? ClaimedUntil = null)
{
    /// <summary>Only the two parties of a message may see it.</summary>
    public bool Concerns(string party) => Afzender == party || Geadresseerde == party;
}

/// <summary>A step to record: its status, a detail, and the related message (e.g. the retour that answered).</summary>
public sealed record StatusStep(string Status, string? Detail, Guid? Related);

public sealed record StatusEntry(string Status, DateTimeOffset At, string? Detail, Guid? Related);

public sealed record MessageLink(Guid Id, string Relation, string Bericht);

public sealed record MessageHistory(MessageRecord Message, IReadOnlyList<StatusEntry> Statuses, IReadOnlyList<MessageLink> Links)
{
    /// <summary>
    /// The message's status now. The lifecycle only moves forward: once it was routed, a late step of an earlier stage
    /// (a duplicate attempt's "queued", a retry's "failed") no longer shows, and the furthest step reached counts. A
    /// message the hub rejected stays "rejected": delivering its retour to the sender does not make it delivered.
    /// Before routing, the latest step counts (failed, poisoned, replayed, failed again…).
    /// </summary>
    public string? Current =>
        Statuses.Where(s => Tracking.Rank(s.Status) >= Tracking.Rank(MessageStatus.Routed)).MaxBy(s => Tracking.Rank(s.Status))?.Status
        ?? Statuses.LastOrDefault()?.Status;
}

/// <summary>
/// Table <c>berichten</c>: one partition per message (PartitionKey = message id). The <c>meta</c> row is also the
/// intake's dedupe marker (the id is a hash of the dedupe key, so insert-if-absent on it is TR056's uniqueness check);
/// each status is a row of its own, written once, so retries and replays never duplicate a step. Partitioning per
/// message spreads month-end peaks over all partitions instead of one per sender.
/// </summary>
public sealed class Tracking
{
    public const string TableName = "berichten";
    private const string Meta = "meta";
    private readonly TableClient _table;
    private readonly TimeProvider _time;

    public const string IndexTableName = "berichtindex";
    private readonly TableClient _index;
    private readonly TableGroupCommit _group;

    public Tracking(StorageClients storage, TimeProvider time)
    {
        _table = storage.GetTable(TableName);
        _index = storage.GetTable(IndexTableName);
        _group = storage.GroupCommit;
        _time = time;
    }

    public async Task EnsureTableAsync(CancellationToken ct = default)
    {
        await _table.CreateIfNotExistsAsync(cancellationToken: ct);
        await _index.CreateIfNotExistsAsync(cancellationToken: ct);
    }

    /// <summary>
    /// Registers a received message; false when its id (= its dedupe key) is known already. <paramref name="steps"/>
    /// and <paramref name="links"/> go into the same transaction (a message the hub derives itself is registered and
    /// routed in one write); on a retry they are written again if the first attempt's registration lacked them.
    /// </summary>
    public async Task<bool> TryRegisterAsync(MessageRecord record, IReadOnlyList<StatusStep>? steps = null, IReadOnlyList<MessageLink>? links = null,
        CancellationToken ct = default)
    {
        var now = _time.GetUtcNow();
        var pk = record.Id.ToString("N");
        IReadOnlyList<StatusStep> later = steps ?? [];
        try
        {
            await _table.SubmitBatchAsync(
            [
                new(TableTransactionActionType.Add, ToEntity(record)),
                new(TableTransactionActionType.UpsertReplace, StatusEntity(pk, MessageStatus.Received, now, null, null)),
                new(TableTransactionActionType.UpsertReplace, StatusEntity(pk, MessageStatus.Validated, now, null, null)),
                .. later.Select(s => new TableTransactionAction(TableTransactionActionType.UpsertReplace, StatusEntity(pk, s.Status, now, s.Detail, s.Related))),
                .. (links ?? []).Select(LinkAction(pk)),
            ], ct);
            await IndexAsync(record, ct);
            return true;
        }
        catch (TableTransactionFailedException ex) when (ex.IsConflict)
        {
            // Known already. Index it again (idempotent): the attempt that registered it may have crashed before.
            if (await GetAsync(record.Id, ct) is { } known)
            {
                await IndexAsync(known, ct);
            }

            if (later.Count > 0 || links is { Count: > 0 })
            {
                await RecordStepsAsync(record.Id, later, null, links ?? [], ct);
            }

            return false;
        }
    }

    private static Func<MessageLink, TableTransactionAction> LinkAction(string pk) => l =>
        new(TableTransactionActionType.UpsertReplace, new TableEntity(pk, "l|" + l.Id.ToString("N")) { ["Relation"] = l.Relation, ["Bericht"] = l.Bericht });

    /// <summary>
    /// Table <c>berichtindex</c>, the search index of the dashboard's message page: per message a row in the
    /// partition of its sender and of its addressee per month (<c>party|yyyyMM</c>), and one in the hub-wide
    /// partition of its day (<c>*|yyyyMMdd</c>, for the admin), newest first (RowKey = inverted ticks | id).
    /// Per party and month, so a month-end peak spreads over every party's partition. Every message writes into the
    /// day's partition and its parties' months, so concurrent messages share those writes (group commit): under load
    /// a request carries the rows of many messages.
    /// </summary>
    private Task IndexAsync(MessageRecord r, CancellationToken ct)
    {
        var row = IndexRow(r.ReceivedOn, r.Id);
        var month = DutchTimeOf(r.ReceivedOn).ToString("yyyyMM", CultureInfo.InvariantCulture);
        var day = DutchTimeOf(r.ReceivedOn).ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        TableEntity Entity(string pk) => new(pk, row)
        {
            ["Bericht"] = r.Bericht, ["Afzender"] = r.Afzender, ["Geadresseerde"] = r.Geadresseerde, ["Identificatie"] = r.Identificatie,
            ["Dagtekening"] = r.Dagtekening.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), ["ReceivedOn"] = r.ReceivedOn,
        };
        return _group.UpsertAsync(_index, new[] { r.Afzender + "|" + month, r.Geadresseerde + "|" + month, "*|" + day }.Distinct().Select(Entity),
            TableUpdateMode.Replace, ct);
    }

    private static DateOnly DutchTimeOf(DateTimeOffset at) => Wmo.Messages.DutchTime.DateOf(at);

    private static string IndexRow(DateTimeOffset receivedOn, Guid id) =>
        (DateTimeOffset.MaxValue.UtcTicks - receivedOn.UtcTicks).ToString("D19", CultureInfo.InvariantCulture) + "|" + id.ToString("N");

    /// <summary>
    /// Messages of one party (or all: null) received from <paramref name="from"/> through <paramref name="to"/> (Dutch
    /// dates), newest first, after the row <paramref name="after"/> (the previous page's cursor), at most
    /// <paramref name="max"/>; <paramref name="bericht"/> narrows to one message type. Each comes with its cursor.
    /// </summary>
    public async Task<IReadOnlyList<(MessageRecord Message, string Cursor)>> SearchAsync(
        string? party, string? bericht, DateOnly from, DateOnly to, string? after, int max, CancellationToken ct = default)
    {
        var found = new List<(MessageRecord, string)>();
        var partitions = party is null
            ? Enumerable.Range(0, to.DayNumber - from.DayNumber + 1).Select(i => "*|" + to.AddDays(-i).ToString("yyyyMMdd", CultureInfo.InvariantCulture))
            : Months(from, to).Select(m => party + "|" + m.ToString("yyyyMM", CultureInfo.InvariantCulture));
        var newest = IndexRow(StartOf(to.AddDays(1)), Guid.Empty); // rows sort newest first: everything after this
        var oldest = IndexRow(StartOf(from).AddTicks(-1), Guid.Empty);
        var lower = after is not null && string.CompareOrdinal(after, newest) > 0 ? after : newest;
        foreach (var pk in partitions)
        {
            var clauses = new List<string> { TableFilter.PartitionKeyEquals(pk), TableFilter.GreaterThan("RowKey", lower), TableFilter.LessThan("RowKey", oldest) };
            if (bericht is not null)
            {
                clauses.Add(TableFilter.Equal("Bericht", bericht));
            }

            await foreach (var e in _index.QueryAsync(TableFilter.And([.. clauses]), ct: ct))
            {
                found.Add((new MessageRecord(Guid.ParseExact(e.RowKey[20..], "N"), e.GetString("Bericht") ?? string.Empty, e.GetString("Afzender") ?? string.Empty,
                    e.GetString("Geadresseerde") ?? string.Empty, e.GetString("Identificatie") ?? string.Empty,
                    DateOnly.ParseExact(e.GetString("Dagtekening") ?? "0001-01-01", "yyyy-MM-dd", CultureInfo.InvariantCulture), string.Empty,
                    e.GetDateTimeOffset("ReceivedOn") ?? default, null, null, true), e.RowKey));
                if (found.Count >= max)
                {
                    return found;
                }
            }
        }

        return found;
    }

    private static DateTimeOffset StartOf(DateOnly day)
    {
        var local = day.ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(local, Wmo.Messages.DutchTime.Zone.GetUtcOffset(local));
    }

    private static IEnumerable<DateOnly> Months(DateOnly from, DateOnly to)
    {
        for (var m = new DateOnly(to.Year, to.Month, 1); m >= new DateOnly(from.Year, from.Month, 1); m = m.AddMonths(-1))
        {
            yield return m;
        }
    }

    public async Task<MessageRecord?> GetAsync(Guid id, CancellationToken ct = default) =>
        await _table.GetAsync(id.ToString("N"), Meta, ct) is { } e ? FromEntity(e) : null;

    /// <summary>The record with its ETag, for <see cref="TryClaimAsync"/>.</summary>
    public async Task<(MessageRecord Record, ETag ETag)?> GetForClaimAsync(Guid id, CancellationToken ct = default) =>
        await _table.GetAsync(id.ToString("N"), Meta, ct) is { } e ? (FromEntity(e), e.ETag) : null;

    /// <summary>
    /// Takes over an unfinished intake of the message until <paramref name="until"/>, if nobody changed the record since
    /// it was read (ETag): of several resumers exactly one wins. False when another got there first.
    /// </summary>
    public async Task<bool> TryClaimAsync(Guid id, ETag etag, DateTimeOffset until, CancellationToken ct = default)
    {
        try
        {
            await _table.UpdateAsync(new TableEntity(id.ToString("N"), Meta) { ["ClaimedUntil"] = until }, etag, TableUpdateMode.Merge, ct);
            return true;
        }
        catch (RequestFailedException ex) when (ex.IsPreconditionFailed)
        {
            return false;
        }
    }

    /// <summary>Marks the message as handed to the router queue (the intake's last step).</summary>
    public Task MarkQueuedAsync(Guid id, CancellationToken ct = default)
    {
        var pk = id.ToString("N");
        return _table.SubmitBatchAsync(
        [
            new(TableTransactionActionType.UpsertMerge, new TableEntity(pk, Meta) { ["Queued"] = true }),
            new(TableTransactionActionType.UpsertReplace, StatusEntity(pk, MessageStatus.Queued, _time.GetUtcNow(), null, null)),
        ], ct);
    }

    /// <summary>
    /// Records a step once: a later attempt of the same step keeps the first time. <paramref name="related"/> makes
    /// a step repeatable per related message (answered by two retours).
    /// </summary>
    public async Task RecordAsync(Guid id, string status, string? detail = null, Guid? related = null, CancellationToken ct = default)
    {
        try
        {
            await _table.InsertIfAbsentAsync(StatusEntity(id.ToString("N"), status, _time.GetUtcNow(), detail, related), ct);
        }
        catch (RequestFailedException ex) when (ex.IsNotFound)
        {
            // The table is created at start-up; a missing table here means storage was reset under us.
            throw new InvalidOperationException("Table 'berichten' is missing.", ex);
        }
    }

    /// <summary>
    /// Records several steps, the person the message concerns and links in one entity-group transaction (one write
    /// per routed message). On a retry the steps exist already; each is then kept with its first time.
    /// </summary>
    public async Task RecordStepsAsync(Guid id, IReadOnlyList<StatusStep> steps, string? person, IReadOnlyList<MessageLink> links, CancellationToken ct = default)
    {
        var pk = id.ToString("N");
        var now = _time.GetUtcNow();
        var actions = new List<TableTransactionAction>();
        if (person is not null)
        {
            actions.Add(new(TableTransactionActionType.UpsertMerge, new TableEntity(pk, Meta) { ["Person"] = person }));
        }

        actions.AddRange(links.Select(LinkAction(pk)));
        actions.AddRange(steps.Select(s => new TableTransactionAction(TableTransactionActionType.Add, StatusEntity(pk, s.Status, now, s.Detail, s.Related))));
        try
        {
            await _table.SubmitBatchAsync(actions, ct);
        }
        catch (TableTransactionFailedException ex) when (ex.IsConflict)
        {
            foreach (var action in actions)
            {
                var entity = (TableEntity)action.Entity;
                if (action.ActionType == TableTransactionActionType.Add)
                {
                    await _table.InsertIfAbsentAsync(entity, ct);
                }
                else
                {
                    await _table.UpsertAsync(entity, action.ActionType == TableTransactionActionType.UpsertMerge ? TableUpdateMode.Merge : TableUpdateMode.Replace, ct);
                }
            }
        }
    }

    /// <summary>Records a step, replacing an earlier record of it (a failure's latest reason).</summary>
    public Task RecordLatestAsync(Guid id, string status, string? detail, CancellationToken ct = default) =>
        _table.UpsertAsync(StatusEntity(id.ToString("N"), status, _time.GetUtcNow(), detail, null), TableUpdateMode.Replace, ct);

    /// <summary>The detail of a recorded step, also for a message intake never registered (a queue message from elsewhere).</summary>
    public async Task<string?> DetailAsync(Guid id, string status, CancellationToken ct = default) =>
        (await _table.GetAsync(id.ToString("N"), "s|" + status, ct))?.GetString("Detail");

    public async Task<MessageHistory?> HistoryAsync(Guid id, CancellationToken ct = default)
    {
        MessageRecord? record = null;
        var statuses = new List<StatusEntry>();
        var links = new List<MessageLink>();
        await foreach (var e in _table.QueryAsync(TableFilter.PartitionKeyEquals(id.ToString("N")), ct: ct))
        {
            if (e.RowKey == Meta)
            {
                record = FromEntity(e);
            }
            else if (e.RowKey.StartsWith("s|", StringComparison.Ordinal))
            {
                statuses.Add(new StatusEntry(e.GetString("Status")!, e.GetDateTimeOffset("At") ?? default, e.GetString("Detail"), e.GetGuid("Related")));
            }
            else if (e.RowKey.StartsWith("l|", StringComparison.Ordinal) && Guid.TryParseExact(e.RowKey[2..], "N", out var other))
            {
                links.Add(new MessageLink(other, e.GetString("Relation") ?? string.Empty, e.GetString("Bericht") ?? string.Empty));
            }
        }

        return record is null ? null : new MessageHistory(record, [.. statuses.OrderBy(s => s.At).ThenBy(s => Order(s.Status))], links);
    }

    private static int Order(string status) => Array.IndexOf(
        [MessageStatus.Received, MessageStatus.Validated, MessageStatus.Queued, MessageStatus.Failed, MessageStatus.Poisoned, MessageStatus.Replayed,
         MessageStatus.Routed, MessageStatus.Rejected, MessageStatus.Delivered, MessageStatus.Downloaded, MessageStatus.Acknowledged, MessageStatus.Answered], status);

    /// <summary>How far along the lifecycle a status is (see <see cref="MessageHistory.Current"/>); rejected is final.</summary>
    internal static int Rank(string status) => status == MessageStatus.Rejected ? int.MaxValue : Order(status);

    private static TableEntity StatusEntity(string pk, string status, DateTimeOffset at, string? detail, Guid? related) =>
        new(pk, "s|" + status + (related is { } r ? "|" + r.ToString("N") : string.Empty))
        {
            ["Status"] = status,
            ["At"] = at,
            ["Detail"] = detail is { Length: > 4000 } ? detail[..4000] : detail,
            ["Related"] = related,
        };

    private static TableEntity ToEntity(MessageRecord r) => new(r.Id.ToString("N"), Meta)
    {
        ["Bericht"] = r.Bericht,
        ["Afzender"] = r.Afzender,
        ["Geadresseerde"] = r.Geadresseerde,
        ["Identificatie"] = r.Identificatie,
        ["Dagtekening"] = r.Dagtekening.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ["Blob"] = r.Blob,
        ["ReceivedOn"] = r.ReceivedOn,
        ["Person"] = r.Person,
        ["Answers"] = r.Answers,
        ["Queued"] = r.Queued,
        ["BodyHash"] = r.BodyHash,
        ["ClaimedUntil"] = r.ClaimedUntil,
    };

    private static MessageRecord FromEntity(TableEntity e) => new(
        Guid.ParseExact(e.PartitionKey, "N"),
        e.GetString("Bericht") ?? string.Empty,
        e.GetString("Afzender") ?? string.Empty,
        e.GetString("Geadresseerde") ?? string.Empty,
        e.GetString("Identificatie") ?? string.Empty,
        DateOnly.ParseExact(e.GetString("Dagtekening") ?? "0001-01-01", "yyyy-MM-dd", CultureInfo.InvariantCulture),
        e.GetString("Blob") ?? string.Empty,
        e.GetDateTimeOffset("ReceivedOn") ?? default,
        e.GetString("Person"),
        e.GetGuid("Answers"),
        e.GetBoolean("Queued") ?? false,
        e.GetString("BodyHash"),
        e.GetDateTimeOffset("ClaimedUntil"));
}
