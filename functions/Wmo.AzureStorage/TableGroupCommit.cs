using Azure.Data.Tables;

namespace Wmo.AzureStorage;

/// <summary>
/// Group commit: concurrent callers writing rows to the same table partition share entity-group transactions.
/// Storage is paid per request (Azurite's single thread, Azure's partition and account limits, the bill), and many
/// messages write a row or two each into a few shared partitions (a party's month in the message index, a
/// gemeente's lead times, a shard of the due index, a party's mailbox), so under load one request carries the rows of
/// many messages.
/// <para>
/// A caller's task completes only when its rows are stored, or fails with the request that carried them: a handler
/// that awaits it keeps its guarantee that nothing is acknowledged before it is written. There is no timer: the first
/// write to an idle partition is sent at once (alone it costs what it would cost without this class); writes that
/// arrive while that request is in flight go together in the next one, in arrival order, up to 100 rows and 2 MiB (a
/// transaction holds 100 and 4 MiB). Two writes of the same row never share a transaction (it would be refused): the
/// later one waits for the next, so the last write wins, as with separate requests.
/// </para>
/// <para>
/// Two kinds of write: an upsert (<see cref="UpsertAsync(TableClient, TableEntity, TableUpdateMode, CancellationToken)"/>),
/// which cannot conflict, and an insert group (<see cref="TryInsertAsync"/>): rows inserted all or none, false when
/// one of them exists already (the idempotent "deliver once"). When a shared transaction fails on a row that exists,
/// only that row's group is answered false and the rest is sent again. When storage is unreachable, every caller in
/// the transaction gets the failure and handles it as it would a failed request of its own; when storage refuses the
/// transaction for one row (too large, a bad value), each write is sent alone, so only that write's caller fails.
/// </para>
/// </summary>
public sealed class TableGroupCommit
{
    public const int MaxRows = TableIdioms.MaxTransactionActions;
    public const int MaxBytes = 2 * 1024 * 1024;

    private readonly Lock _gate = new();
    private readonly Dictionary<(string Table, string Partition), Partition> _partitions = [];

    /// <summary>Upserts <paramref name="entity"/>; completes when the transaction that carried it is stored.</summary>
    public Task UpsertAsync(TableClient table, TableEntity entity, TableUpdateMode mode = TableUpdateMode.Replace, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(entity);
        return Enqueue(table, [new(mode == TableUpdateMode.Merge ? TableTransactionActionType.UpsertMerge : TableTransactionActionType.UpsertReplace, entity)], ct);
    }

    /// <summary>Upserts several rows (any partitions); completes when all are stored. They are not one transaction.</summary>
    public Task UpsertAsync(TableClient table, IEnumerable<TableEntity> entities, TableUpdateMode mode = TableUpdateMode.Replace, CancellationToken ct = default) =>
        Task.WhenAll(entities.Select(e => UpsertAsync(table, e, mode, ct)));

    /// <summary>
    /// Inserts <paramref name="entities"/> (one partition, at most 100, distinct row keys) all or none: true when they
    /// were inserted, false when one of them existed (nothing of the group is then written).
    /// </summary>
    public Task<bool> TryInsertAsync(TableClient table, IReadOnlyList<TableEntity> entities, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(entities);
        if (entities.Count is 0 or > MaxRows || entities.Select(e => e.PartitionKey).Distinct(StringComparer.Ordinal).Count() != 1
            || entities.Select(e => e.RowKey).Distinct(StringComparer.Ordinal).Count() != entities.Count)
        {
            throw new ArgumentException($"An insert group is 1 to {MaxRows} rows of one partition with distinct row keys.", nameof(entities));
        }

        return Enqueue(table, [.. entities.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e))], ct);
    }

    private Task<bool> Enqueue(TableClient table, IReadOnlyList<TableTransactionAction> actions, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(table);
        var write = new Write(actions, actions.Sum(a => EstimateBytes((TableEntity)a.Entity)), StorageMeter.Phase);
        var key = (table.Uri.AbsoluteUri, actions[0].Entity.PartitionKey);
        Partition? idle = null;
        lock (_gate)
        {
            if (!_partitions.TryGetValue(key, out var partition))
            {
                partition = idle = new Partition(table);
                _partitions[key] = partition;
            }

            partition.Waiting.Add(write);
        }

        if (idle is not null)
        {
            // The flush belongs to no caller: one caller giving up must not cancel the others' rows, and it does not
            // run in the first caller's context (its log scope, its meter phase) but sets each request's phase itself.
            using (ExecutionContext.SuppressFlow())
            {
                _ = Task.Run(() => FlushAsync(key, idle), CancellationToken.None);
            }
        }

        return write.Done.Task.WaitAsync(ct);
    }

    private async Task FlushAsync((string, string) key, Partition partition)
    {
        while (true)
        {
            var batch = new List<Write>();
            lock (_gate)
            {
                if (partition.Waiting.Count == 0)
                {
                    _partitions.Remove(key);
                    return;
                }

                // In arrival order, stopping at the first write that does not fit or touches a row already taken.
                var keys = new HashSet<string>(StringComparer.Ordinal);
                var (rows, bytes) = (0, 0);
                foreach (var next in partition.Waiting)
                {
                    if (batch.Count > 0 && (rows + next.Actions.Count > MaxRows || bytes + next.Bytes > MaxBytes))
                    {
                        break;
                    }

                    if (!next.Actions.All(a => keys.Add(a.Entity.RowKey)))
                    {
                        break;
                    }

                    batch.Add(next);
                    (rows, bytes) = (rows + next.Actions.Count, bytes + next.Bytes);
                }

                partition.Waiting.RemoveRange(0, batch.Count);
            }

            await CommitAsync(partition.Table, batch).ConfigureAwait(false);
        }
    }

    /// <summary>Sends the writes as one request and answers each; a row that existed answers its group false and the rest goes again.</summary>
    private static async Task CommitAsync(TableClient table, List<Write> batch)
    {
        while (batch.Count > 0)
        {
            // A shared request is metered under the function whose write opened it.
            using var phase = batch[0].Phase is { } opener ? StorageMeter.BeginPhase(opener) : null;
            var actions = batch.SelectMany(w => w.Actions).ToList();
            try
            {
                if (actions is [{ ActionType: TableTransactionActionType.UpsertReplace or TableTransactionActionType.UpsertMerge } only])
                {
                    await table.UpsertEntityAsync((TableEntity)only.Entity,
                        only.ActionType == TableTransactionActionType.UpsertMerge ? TableUpdateMode.Merge : TableUpdateMode.Replace).ConfigureAwait(false);
                }
                else
                {
                    await table.SubmitBatchAsync(actions).ConfigureAwait(false);
                }

                batch.ForEach(w => w.Done.TrySetResult(true));
                return;
            }
            catch (TableTransactionFailedException ex) when (ex.IsConflict && Owner(batch, ex.FailedTransactionActionIndex) is { } existed)
            {
                existed.Done.TrySetResult(false);
                batch.Remove(existed);
            }
            catch (Exception ex) when (batch.Count > 1 && !StorageClients.IsOutage(ex))
            {
                // Refused for one write's sake: each alone, so only that write's caller hears of it.
                foreach (var write in batch)
                {
                    await CommitAsync(table, [write]).ConfigureAwait(false);
                }

                return;
            }
            catch (Exception ex)
            {
                batch.ForEach(w => w.Done.TrySetException(ex));
                return;
            }
        }
    }

    /// <summary>The write whose insert found its row existing (only inserts conflict), from the failed action's index.</summary>
    private static Write? Owner(List<Write> batch, int? failedIndex)
    {
        if (failedIndex is not { } index)
        {
            // Not said which: certain only when one write was sent.
            return batch is [var only] && only.Actions.Any(a => a.ActionType == TableTransactionActionType.Add) ? only : null;
        }

        foreach (var write in batch)
        {
            if (index < write.Actions.Count)
            {
                return write.Actions[index].ActionType == TableTransactionActionType.Add ? write : null;
            }

            index -= write.Actions.Count;
        }

        return null;
    }

    /// <summary>A generous estimate of a row's size on the wire (strings as UTF-16, binary as base64, names included).</summary>
    internal static int EstimateBytes(TableEntity entity)
    {
        var bytes = 256;
        foreach (var (name, value) in entity)
        {
            bytes += (name.Length * 2) + value switch
            {
                string s => s.Length * 2,
                byte[] b => (b.Length * 4 / 3) + 4,
                BinaryData d => (int)(d.ToMemory().Length * 4 / 3) + 4,
                _ => 64,
            };
        }

        return bytes;
    }

    private sealed class Partition(TableClient table)
    {
        public TableClient Table { get; } = table;

        public List<Write> Waiting { get; } = [];
    }

    private sealed record Write(IReadOnlyList<TableTransactionAction> Actions, int Bytes, string? Phase)
    {
        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
