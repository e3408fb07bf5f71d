using System.Globalization;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Wmo.AzureStorage;

namespace Wmo.Hub;

/// <summary>One message in a party's mailbox.</summary>
/// <param name="Id">The message id (the same id <c>GET /api/berichten/{id}</c> tracks).</param>
/// <param name="Van">The party that sent it; "hub" for retours the hub itself wrote.</param>
/// <param name="Answers">For a retour or WMO325: the message it answers.</param>
/// <param name="HubRetourCodes">Codes of the chain rules the hub found (it sent the sender a retour with them).</param>
public sealed record MailboxItem(
    Guid Id, string Bericht, string Van, string Blob, DateTimeOffset DeliveredOn, bool Read, DateTimeOffset? ReadOn, Guid? Answers,
    IReadOnlyList<string> HubRetourCodes);

public sealed record MailboxPage(IReadOnlyList<MailboxItem> Items, string? ContinuationToken);

/// <summary>
/// Table <c>postbus</c>, one partition per party. Each item has an index row (<c>i|id</c>) and a listing row: <c>u|</c>
/// (unread, oldest first) or <c>r|</c> (read, newest first), so "unread first, paged" is two range reads and never
/// a scan. Delivering and acknowledging each change both rows in one entity-group transaction.
/// </summary>
public sealed class Mailboxes
{
    public const string TableName = "postbus";
    private readonly TableClient _table;
    private readonly TableGroupCommit _group;
    private readonly TimeProvider _time;

    public Mailboxes(StorageClients storage, TimeProvider time)
    {
        _table = storage.GetTable(TableName);
        _group = storage.GroupCommit;
        _time = time;
    }

    public Task EnsureTableAsync(CancellationToken ct = default) => _table.CreateIfNotExistsAsync(cancellationToken: ct);

    /// <summary>Puts a message in a party's mailbox once; false when it was delivered before (a retry).</summary>
    public Task<bool> DeliverAsync(
        string party, Guid id, string bericht, string van, string blob, Guid? answers, CancellationToken ct = default, IReadOnlyList<string>? hubRetourCodes = null) =>
        // A party's mailbox is one partition that every message to it writes: concurrent deliveries share a transaction.
        _group.TryInsertAsync(_table, Rows(party, id, bericht, van, blob, answers, _time.GetUtcNow(), hubRetourCodes), ct);

    /// <summary>
    /// Puts messages in a party's mailbox in the given order (their delivery times ascend), up to fifty in one
    /// transaction: all of a transaction's messages are delivered or none. When one was delivered before (a retry
    /// after a crash), each is delivered on its own, in order, once.
    /// </summary>
    public async Task DeliverInOrderAsync(string party, IReadOnlyList<(Guid Id, string Bericht, string Van, string Blob)> items, CancellationToken ct = default)
    {
        var now = _time.GetUtcNow();
        var at = 0;
        foreach (var chunk in items.Chunk(TableIdioms.MaxTransactionActions / 2))
        {
            var first = at;
            at += chunk.Length;
            if (!await _group.TryInsertAsync(_table, [.. chunk.SelectMany((m, i) => Rows(party, m.Id, m.Bericht, m.Van, m.Blob, null, now.AddTicks(first + i), null))], ct))
            {
                for (var i = 0; i < chunk.Length; i++)
                {
                    await _group.TryInsertAsync(_table, Rows(party, chunk[i].Id, chunk[i].Bericht, chunk[i].Van, chunk[i].Blob, null, now.AddTicks(first + i), null), ct);
                }
            }
        }
    }

    /// <summary>A delivered message's two rows: its index row (by id) and its listing row (unread, by delivery time).</summary>
    private static TableEntity[] Rows(string party, Guid id, string bericht, string van, string blob, Guid? answers, DateTimeOffset now, IReadOnlyList<string>? hubRetourCodes)
    {
        var pk = TableKey.Escape(party);
        var index = new TableEntity(pk, IndexKey(id))
        {
            ["Bericht"] = bericht, ["Van"] = van, ["Blob"] = blob, ["DeliveredOn"] = now, ["Read"] = false, ["Answers"] = answers,
            ["HubRetourCodes"] = hubRetourCodes is { Count: > 0 } codes ? string.Join(',', codes) : null,
        };
        return [index, Listing(pk, UnreadKey(now, id), index)];
    }

    public async Task<MailboxItem?> GetAsync(string party, Guid id, CancellationToken ct = default) =>
        await _table.GetAsync(TableKey.Escape(party), IndexKey(id), ct) is { } e ? FromEntity(id, e) : null;

    /// <summary>Marks an item read; acknowledging again changes nothing. False when the party has no such item.</summary>
    public async Task<bool> AcknowledgeAsync(string party, Guid id, CancellationToken ct = default)
    {
        var pk = TableKey.Escape(party);
        for (var attempt = 0; ; attempt++)
        {
            var index = await _table.GetAsync(pk, IndexKey(id), ct);
            if (index is null)
            {
                return false;
            }

            if (index.GetBoolean("Read") == true)
            {
                return true;
            }

            var delivered = index.GetDateTimeOffset("DeliveredOn") ?? default;
            var now = _time.GetUtcNow();
            index["Read"] = true;
            index["ReadOn"] = now;
            try
            {
                await _table.SubmitBatchAsync(
                [
                    new(TableTransactionActionType.UpdateReplace, index, index.ETag!),
                    new(TableTransactionActionType.Delete, new TableEntity(pk, UnreadKey(delivered, id))),
                    new(TableTransactionActionType.Add, Listing(pk, ReadKey(delivered, id), index)),
                ], ct);
                return true;
            }
            catch (TableTransactionFailedException ex) when ((ex.IsPreconditionFailed || ex.IsConflict) && attempt < 3)
            {
                // Acknowledged concurrently: read again and find it done.
            }
        }
    }

    /// <summary>Unread items (oldest first), then read ones (newest first); <paramref name="unreadOnly"/> stops after the first.</summary>
    public async Task<MailboxPage> ListAsync(string party, int pageSize, string? continuationToken, bool unreadOnly, CancellationToken ct = default)
    {
        var pk = TableKey.Escape(party);
        var (phase, continuation) = ParseToken(continuationToken);
        var items = new List<MailboxItem>();
        while (true)
        {
            var page = await _table.QueryPageAsync(
                TableFilter.And(TableFilter.PartitionKeyEquals(pk), TableFilter.GreaterThanOrEqual("RowKey", phase + "|"), TableFilter.LessThan("RowKey", phase + "}")),
                pageSize - items.Count, continuation, ct: ct);
            items.AddRange(page.Entities.Select(e => FromEntity(Guid.ParseExact(e.RowKey[^32..], "N"), e)));
            continuation = page.Continuation;
            var phaseDone = continuation is null;
            if (phaseDone && phase == "u" && !unreadOnly)
            {
                phase = "r"; // unread exhausted: read items follow
                phaseDone = false;
            }

            if (phaseDone)
            {
                return new MailboxPage(items, null);
            }

            if (items.Count >= pageSize)
            {
                return new MailboxPage(items, Token(phase, continuation));
            }
        }
    }

    /// <summary>Removes an item that was read (retention); unread items are never purged.</summary>
    public async Task<bool> PurgeReadAsync(string party, Guid id, CancellationToken ct = default)
    {
        var pk = TableKey.Escape(party);
        var index = await _table.GetAsync(pk, IndexKey(id), ct);
        if (index is null || index.GetBoolean("Read") != true)
        {
            return false;
        }

        await _table.SubmitBatchAsync(
        [
            new(TableTransactionActionType.Delete, index, index.ETag!),
            new(TableTransactionActionType.Delete, new TableEntity(pk, ReadKey(index.GetDateTimeOffset("DeliveredOn") ?? default, id))),
        ], ct);
        return true;
    }

    private static string IndexKey(Guid id) => "i|" + id.ToString("N");

    private static string UnreadKey(DateTimeOffset delivered, Guid id) =>
        "u|" + delivered.UtcTicks.ToString("D19", CultureInfo.InvariantCulture) + "|" + id.ToString("N");

    private static string ReadKey(DateTimeOffset delivered, Guid id) =>
        "r|" + (DateTimeOffset.MaxValue.UtcTicks - delivered.UtcTicks).ToString("D19", CultureInfo.InvariantCulture) + "|" + id.ToString("N");

    private static TableEntity Listing(string pk, string rowKey, TableEntity index)
    {
        var listing = new TableEntity(pk, rowKey);
        foreach (var (name, value) in index.Where(p => p.Key is not ("PartitionKey" or "RowKey" or "Timestamp" or "odata.etag")))
        {
            listing[name] = value;
        }

        return listing;
    }

    private static MailboxItem FromEntity(Guid id, TableEntity e) => new(
        id, e.GetString("Bericht") ?? string.Empty, e.GetString("Van") ?? string.Empty, e.GetString("Blob") ?? string.Empty,
        e.GetDateTimeOffset("DeliveredOn") ?? default, e.GetBoolean("Read") ?? false, e.GetDateTimeOffset("ReadOn"), e.GetGuid("Answers"),
        e.GetString("HubRetourCodes") is { Length: > 0 } codes ? codes.Split(',') : []);

    private static string Token(string phase, string? c) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{phase}\n{c}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static (string Phase, string? Continuation) ParseToken(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return ("u", null);
        }

        try
        {
            var padded = token.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(padded)).Split('\n');
            if (parts.Length == 2 && parts[0] is "u" or "r")
            {
                return (parts[0], parts[1].Length == 0 ? null : parts[1]);
            }
        }
        catch (FormatException)
        {
        }

        throw new ArgumentException("The continuation token is not one this API returned.", nameof(token));
    }
}
