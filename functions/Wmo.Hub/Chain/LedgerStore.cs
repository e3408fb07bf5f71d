using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Wmo.AzureStorage;
using Wmo.Messages.Retour;

namespace Wmo.Hub.Chain;

/// <summary>An outgoing message a ledger change caused (a retour the hub writes), kept in the person's partition.</summary>
/// <param name="Answers">The message that caused it (the heenbericht of a retour; the trigger of a WMO405).</param>
/// <param name="Content">The message itself when the ledger change decided its content (a WMO405); a retour is rebuilt.</param>
public sealed record OutboxItem(string Kind, string To, Guid Id, string Bericht, DateOnly Dagtekening, Guid Answers, byte[]? Content = null)
{
    public const string Retour = "retour";
    public const string Wmo405 = "wmo405";
}

/// <summary>The stored result of applying one message to one person's chain (also what a retry reads back).</summary>
public sealed record LedgerEntry(
    Guid MessageId, string Bericht, DateTimeOffset At, IReadOnlyList<LedgerEvent> Events, IReadOnlyList<Finding> Findings, int Assessed,
    IReadOnlyList<OutboxItem> Outbox)
{
    /// <summary>
    /// The deadlines the change touched (those of the chain before and after it), kept with it so a retry brings the
    /// same due-index rows up to date.
    /// </summary>
    public IReadOnlyList<Wmo.Hub.Detection.DueItem> Due { get; init; } = [];

    /// <summary>The chain as this change committed it; null when the entry was read back (a retry).</summary>
    public ChainState? State { get; init; }
}

/// <summary>
/// Table <c>ketens</c>, one partition per person and gemeente (an opaque HMAC of gemeentecode and BSN, so no BSN is in
/// any key, URL or log). Rows: <c>state</c> (the <see cref="ChainState"/>), <c>m|messageId</c> (the message was
/// applied, with its events and findings: the router's dedupe marker and the timeline), <c>o|messageId|n</c> (the
/// outgoing messages it caused). Marker, state and outbox are written in one entity-group transaction; the state's
/// ETag makes concurrent messages for the same person apply one after the other.
/// </summary>
public sealed class LedgerStore
{
    public const string TableName = "ketens";
    private const string StateRow = "state";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly TableClient _table;
    private readonly byte[] _personKey;

    /// <param name="personKeySecret">The HMAC key for person ids: the same for every host of a deployment, kept secret.</param>
    public LedgerStore(StorageClients storage, string personKeySecret)
    {
        _table = storage.GetTable(TableName);
        _personKey = Encoding.UTF8.GetBytes(personKeySecret);
    }

    public Task EnsureTableAsync(CancellationToken ct = default) => _table.CreateIfNotExistsAsync(cancellationToken: ct);

    /// <summary>The opaque id of a person with a gemeente: used as partition key and in URLs instead of the BSN.</summary>
    public string PersonId(string gemeente, string bsn) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_personKey, Encoding.UTF8.GetBytes(gemeente + "|" + bsn)).AsSpan(0, 16));

    /// <summary>
    /// Remembers whose request a ReferentieAanbieder is, so the gemeente's WMO319 (which names no client) reaches the
    /// person's chain. Kept in partition <c>verzoek|aanbieder</c> of the same table, keyed by a hash of the reference.
    /// </summary>
    public Task IndexRequestAsync(string aanbieder, string referentie, string personId, CancellationToken ct = default) =>
        _table.UpsertAsync(new TableEntity(RequestPartition(aanbieder), RequestRow(referentie)) { ["PersonId"] = personId }, TableUpdateMode.Replace, ct);

    public async Task<string?> FindRequestAsync(string aanbieder, string referentie, CancellationToken ct = default) =>
        (await _table.GetAsync(RequestPartition(aanbieder), RequestRow(referentie), ct))?.GetString("PersonId");

    private static string RequestPartition(string aanbieder) => "verzoek|" + aanbieder;

    private static string RequestRow(string referentie) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(referentie)).AsSpan(0, 16));

    public async Task<ChainState?> GetStateAsync(string personId, CancellationToken ct = default) =>
        await GetStateBytesAsync(personId, ct) is { } bytes ? DeserializeState(bytes) : null;

    /// <summary>The person's chain as stored (serialized): what the due index's copies are compared with.</summary>
    public async Task<byte[]?> GetStateBytesAsync(string personId, CancellationToken ct = default) =>
        await _table.GetAsync(personId, StateRow, ct) is { } e ? StateBytes(e) : null;

    private static byte[] StateBytes(TableEntity e) =>
        e.GetBinary("State") ?? throw new InvalidDataException($"Chain state {e.PartitionKey} has no content.");

    /// <summary>A chain in its stored form (the ledger's state row, and the copy each of the person's due rows carries).</summary>
    public static byte[] SerializeState(ChainState state) => JsonSerializer.SerializeToUtf8Bytes(state, Json);

    public static ChainState DeserializeState(byte[] bytes) => JsonSerializer.Deserialize<ChainState>(bytes, Json)!;

    /// <summary>Every message applied to the person's chain, oldest first (the timeline).</summary>
    public async Task<IReadOnlyList<LedgerEntry>> EntriesAsync(string personId, CancellationToken ct = default)
    {
        var entries = new List<LedgerEntry>();
        var outbox = new List<(Guid, OutboxItem)>();
        await foreach (var e in _table.QueryAsync(TableFilter.And(TableFilter.PartitionKeyEquals(personId), TableFilter.GreaterThanOrEqual("RowKey", "m|"), TableFilter.LessThan("RowKey", "p")), ct: ct))
        {
            if (e.RowKey.StartsWith("m|", StringComparison.Ordinal))
            {
                entries.Add(ReadEntry(e, []));
            }
            else
            {
                outbox.Add((Guid.ParseExact(e.RowKey.Split('|')[1], "N"), ReadOutbox(e)));
            }
        }

        return [.. entries.Select(en => en with { Outbox = [.. outbox.Where(o => o.Item1 == en.MessageId).Select(o => o.Item2)] }).OrderBy(en => en.At)];
    }

    /// <summary>
    /// Applies a message to a person's chain exactly once. The first attempt evaluates it against the current state
    /// and commits marker, state and outbox together; any later attempt (a retry, a duplicate queue message, a
    /// replay) finds the marker and gets the stored entry back, so it causes nothing new.
    /// </summary>
    public async Task<LedgerEntry> ApplyAsync(
        string personId, string gemeente, string bsn, Guid messageId, string bericht, DateTimeOffset at,
        Func<ChainState, ChainOutcome> evaluate, CancellationToken ct = default)
    {
        var markerKey = "m|" + messageId.ToString("N");
        for (var attempt = 0; ; attempt++)
        {
            // Optimistic: read the state, decide, commit. A message applied before makes the marker's Add fail,
            // and then the stored entry is the answer (the decision made the first time stands).
            var stateEntity = await _table.GetAsync(personId, StateRow, ct);
            var state = stateEntity is null ? ChainState.Empty(gemeente, bsn) : DeserializeState(StateBytes(stateEntity));
            var outcome = evaluate(state);
            var items = outcome.Outbox;
            var entry = new LedgerEntry(messageId, bericht, at, outcome.Events, outcome.Findings, outcome.Assessed, items) { Due = outcome.Due };
            var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Add, WriteEntry(personId, markerKey, entry)) };
            var newState = WriteState(personId, outcome.State);
            actions.Add(stateEntity is null ? new(TableTransactionActionType.Add, newState) : new(TableTransactionActionType.UpdateReplace, newState, stateEntity.ETag!));
            actions.AddRange(items.Select((item, n) => new TableTransactionAction(TableTransactionActionType.Add, WriteOutbox(personId, messageId, n, item))));
            try
            {
                await _table.SubmitBatchAsync(actions, ct);
                return entry with { State = outcome.State };
            }
            catch (TableTransactionFailedException ex) when ((ex.IsConflict || ex.IsPreconditionFailed) && attempt < 20)
            {
                if (await LoadEntryAsync(personId, messageId, ct) is { } done)
                {
                    return done;
                }

                // Another message for this person committed first (state ETag): decide again on its result.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 * (attempt + 1))), ct);
            }
        }
    }

    /// <summary>The stored entry of a message applied to the person's chain, or null.</summary>
    public Task<LedgerEntry?> TryGetEntryAsync(string personId, Guid messageId, CancellationToken ct = default) => LoadEntryAsync(personId, messageId, ct);

    private async Task<LedgerEntry?> LoadEntryAsync(string personId, Guid messageId, CancellationToken ct)
    {
        var marker = await _table.GetAsync(personId, "m|" + messageId.ToString("N"), ct);
        if (marker is null)
        {
            return null;
        }

        var prefix = "o|" + messageId.ToString("N") + "|";
        var outbox = new List<OutboxItem>();
        await foreach (var e in _table.QueryAsync(TableFilter.And(TableFilter.PartitionKeyEquals(personId), TableFilter.GreaterThanOrEqual("RowKey", prefix), TableFilter.LessThan("RowKey", prefix + "~")), ct: ct))
        {
            outbox.Add(ReadOutbox(e));
        }

        return ReadEntry(marker, outbox);
    }

    /// <summary>
    /// Writes a person's state as the ledger would hold it after routing, without events: for bulk loads (a migration
    /// from another system, the scan benchmark's million trajectories). Routing never uses it.
    /// </summary>
    public Task ImportStateAsync(string personId, ChainState state, CancellationToken ct = default) =>
        _table.UpsertAsync(WriteState(personId, state), TableUpdateMode.Replace, ct);

    private static TableEntity WriteState(string personId, ChainState state)
    {
        var bytes = SerializeState(state);
        if (bytes.Length > 64 * 1024)
        {
            // 64 KiB is the service's limit for one property: hundreds of toewijzingen for one person.
            throw new InvalidOperationException($"The chain of person {personId} has outgrown one row ({bytes.Length} bytes).");
        }

        return new TableEntity(personId, StateRow) { ["State"] = bytes, ["Gemeente"] = state.Gemeente };
    }

    private static TableEntity WriteEntry(string personId, string rowKey, LedgerEntry entry) => new(personId, rowKey)
    {
        ["Bericht"] = entry.Bericht,
        ["At"] = entry.At,
        ["Events"] = JsonSerializer.SerializeToUtf8Bytes(entry.Events, Json),
        ["Findings"] = JsonSerializer.Serialize(entry.Findings, Json),
        ["Assessed"] = entry.Assessed,
        ["Due"] = entry.Due.Count == 0 ? null : JsonSerializer.Serialize(entry.Due, Json),
    };

    private static LedgerEntry ReadEntry(TableEntity e, IReadOnlyList<OutboxItem> outbox) => new(
        Guid.ParseExact(e.RowKey[2..], "N"),
        e.GetString("Bericht") ?? string.Empty,
        e.GetDateTimeOffset("At") ?? default,
        JsonSerializer.Deserialize<List<LedgerEvent>>(e.GetBinary("Events") ?? "[]"u8.ToArray(), Json) ?? [],
        JsonSerializer.Deserialize<List<Finding>>(e.GetString("Findings") ?? "[]", Json) ?? [],
        e.GetInt32("Assessed") ?? 0,
        outbox)
    {
        Due = e.GetString("Due") is { } due ? JsonSerializer.Deserialize<List<Wmo.Hub.Detection.DueItem>>(due, Json) ?? [] : [],
    };

    private static TableEntity WriteOutbox(string personId, Guid messageId, int n, OutboxItem item) =>
        new(personId, "o|" + messageId.ToString("N") + "|" + n.ToString("D2", CultureInfo.InvariantCulture))
        {
            ["Kind"] = item.Kind,
            ["To"] = item.To,
            ["Id"] = item.Id,
            ["Bericht"] = item.Bericht,
            ["Dagtekening"] = item.Dagtekening.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["Answers"] = item.Answers,
            ["Content"] = item.Content,
        };

    private static OutboxItem ReadOutbox(TableEntity e) => new(
        e.GetString("Kind") ?? string.Empty, e.GetString("To") ?? string.Empty, e.GetGuid("Id") ?? default, e.GetString("Bericht") ?? string.Empty,
        DateOnly.ParseExact(e.GetString("Dagtekening") ?? "0001-01-01", "yyyy-MM-dd", CultureInfo.InvariantCulture), e.GetGuid("Answers") ?? default, e.GetBinary("Content"));
}
