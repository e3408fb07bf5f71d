using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;
using Wmo.AzureStorage;
using Wmo.Hub.Chain;
using Wmo.Messages;
using Wmo.Messages.Model;

namespace Wmo.Hub.Cak;

/// <summary>A WMO405 waiting to be sent to the CAK.</summary>
/// <param name="Cause">The message the WMO405 was derived from (a WMO305/307 or toewijzing), for correlation; null on rows written before it was kept.</param>
public sealed record PendingWmo405(string RowKey, Guid Id, string Blob, string Gemeente, string Identificatie, Guid? Cause = null);

/// <summary>
/// The queue of WMO405 messages for the CAK's transport (table <c>cakuit</c>, partition <c>pending</c>), in the order
/// the ledger decided them (row key = decision time + id), so a person's start always goes out before its stop. A
/// row is deleted only after the transport confirmed the delivery; a crash in between sends it again, and the
/// CAK side recognises the repeat by its BerichtIdentificatie (TR056).
/// </summary>
public sealed class CakOutbox
{
    public const string TableName = "cakuit";
    private const string Pending = "pending";
    private readonly TableClient _table;
    private readonly TableGroupCommit _group;

    public CakOutbox(StorageClients storage, string tableName = TableName)
    {
        _table = storage.GetTable(tableName);
        _group = storage.GroupCommit;
    }

    public Task EnsureTableAsync(CancellationToken ct = default) => _table.CreateIfNotExistsAsync(cancellationToken: ct);

    /// <summary>
    /// Queues a WMO405 once (the same row on every attempt of the message that caused it). Every WMO405 goes to the
    /// one partition, so those routed at the same time share a transaction.
    /// </summary>
    public Task EnqueueAsync(Guid id, string blob, string gemeente, string identificatie, DateTimeOffset decidedOn, Guid? cause = null, CancellationToken ct = default) =>
        _group.UpsertAsync(_table, new TableEntity(Pending, decidedOn.UtcTicks.ToString("D19", CultureInfo.InvariantCulture) + "|" + id.ToString("N"))
        {
            ["Id"] = id, ["Blob"] = blob, ["Gemeente"] = gemeente, ["Identificatie"] = identificatie, ["Cause"] = cause,
        }, TableUpdateMode.Replace, ct);

    public async Task<IReadOnlyList<PendingWmo405>> PeekAsync(int max, CancellationToken ct = default)
    {
        var page = await _table.QueryPageAsync(TableFilter.PartitionKeyEquals(Pending), max, ct: ct);
        return [.. page.Entities.Select(e => new PendingWmo405(e.RowKey, e.GetGuid("Id")!.Value, e.GetString("Blob")!, e.GetString("Gemeente")!, e.GetString("Identificatie")!, e.GetGuid("Cause")))];
    }

    public Task CompleteAsync(PendingWmo405 item, CancellationToken ct = default) => _table.DeleteAsync(Pending, item.RowKey, ct: ct);

    /// <summary>
    /// Removes delivered messages, a hundred per transaction. A row that is gone already (a relay that crashed after
    /// deleting it) would fail the transaction: then each is deleted alone, where a missing row is no error.
    /// </summary>
    public async Task CompleteAsync(IReadOnlyList<PendingWmo405> items, CancellationToken ct = default)
    {
        foreach (var chunk in items.DistinctBy(i => i.RowKey).Chunk(TableIdioms.MaxTransactionActions))
        {
            try
            {
                await (chunk.Length == 1
                    ? CompleteAsync(chunk[0], ct)
                    : _table.SubmitBatchAsync([.. chunk.Select(i => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(Pending, i.RowKey), Azure.ETag.All))], ct));
            }
            catch (TableTransactionFailedException ex) when (ex.IsNotFound)
            {
                foreach (var item in chunk)
                {
                    await CompleteAsync(item, ct);
                }
            }
        }
    }

    public async Task<int> CountAsync(CancellationToken ct = default)
    {
        var count = 0;
        await foreach (var _ in _table.QueryAsync(TableFilter.PartitionKeyEquals(Pending), ct: ct))
        {
            count++;
        }

        return count;
    }

    /// <summary>
    /// The WMO405 for a plan: the gemeente is the sender; the Identificatie derives from the person and the message
    /// that caused it, so every attempt builds the same message with the same id.
    /// </summary>
    public static Wmo405 Build(string gemeente, string cakInstantie, string personId, Guid cause, ChainState state, IReadOnlyList<EigenBijdragePeriode> lines, DateOnly today)
    {
        var identificatie = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(personId + "|" + cause.ToString("N"))))[..12];
        var client = state.Client ?? throw new InvalidOperationException("The client's details are not known yet.");
        return new Wmo405(
            new Header(MessageCatalog.Wmo405.BerichtCode, 4, 0, gemeente, cakInstantie, new BerichtIdentificatie(identificatie, today), new XsdVersie("1.0.0", "1.0.0")),
            new EigenBijdrageClient(state.Bsn, client.Geboortedatum, client.Geslacht, client.Naam, lines));
    }
}

/// <summary>The CAK leg's configuration as routing uses it: policies, tariffs, the CAK's instantie code, the outbox.</summary>
public sealed record CakLeg(CakPolicies Policies, Tariffs Tariffs, string Instantie, CakOutbox Outbox);
