using System.Globalization;
using System.Text;
using Azure;
using Azure.Data.Tables;

namespace Wmo.AzureStorage;

/// <summary>Outcome of an insert-if-absent: the duplicate case is a normal result, not an exception.</summary>
public readonly record struct TableInsertResult(bool Inserted, ETag? ETag)
{
    public static TableInsertResult AlreadyExists => new(false, null);
}

/// <summary>A page of query results and the opaque token for the next one (null at the end).</summary>
public sealed record TablePage(IReadOnlyList<TableEntity> Entities, string? Continuation);

/// <summary>
/// The table idioms the stores are built on, each on the Azure SDK's <see cref="TableClient"/>: insert-if-absent
/// (409 EntityAlreadyExists is the duplicate, not an error), read-or-null, ETag-conditional writes, paged queries.
/// </summary>
public static class TableIdioms
{
    public const int MaxTransactionActions = 100;

    extension(TableClient table)
    {
        /// <summary>
        /// Inserts the entity if no entity with its keys exists; a duplicate reports <c>Inserted = false</c>. One
        /// request, never check-then-insert: the basis of idempotent intake (two racing inserts, exactly one wins).
        /// </summary>
        public async Task<TableInsertResult> InsertIfAbsentAsync(TableEntity entity, CancellationToken ct = default)
        {
            try
            {
                var response = await table.AddEntityAsync(entity, ct).ConfigureAwait(false);
                entity.ETag = response.Headers.ETag ?? default;
                return new TableInsertResult(true, entity.ETag);
            }
            catch (RequestFailedException ex) when (ex.Status == 409 && ex.ErrorCode == "EntityAlreadyExists")
            {
                return TableInsertResult.AlreadyExists;
            }
        }

        /// <summary>Inserts or replaces/merges whatever is stored (no concurrency check); returns the new ETag.</summary>
        public async Task<ETag> UpsertAsync(TableEntity entity, TableUpdateMode mode = TableUpdateMode.Replace, CancellationToken ct = default)
        {
            var response = await table.UpsertEntityAsync(entity, mode, ct).ConfigureAwait(false);
            entity.ETag = response.Headers.ETag ?? default;
            return entity.ETag;
        }

        /// <summary>
        /// Updates an existing entity only while its ETag still matches (<see cref="ETag.All"/> = any): a stale ETag
        /// throws 412 (<c>IsPreconditionFailed</c>), a missing entity 404 (<c>IsNotFound</c>).
        /// </summary>
        public async Task<ETag> UpdateAsync(TableEntity entity, ETag ifMatch, TableUpdateMode mode = TableUpdateMode.Replace, CancellationToken ct = default)
        {
            var response = await table.UpdateEntityAsync(entity, ifMatch == default ? ETag.All : ifMatch, mode, ct).ConfigureAwait(false);
            entity.ETag = response.Headers.ETag ?? default;
            return entity.ETag;
        }

        /// <summary>The entity, or null when it does not exist.</summary>
        public async Task<TableEntity?> GetAsync(string partitionKey, string rowKey, CancellationToken ct = default)
        {
            var response = await table.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey, cancellationToken: ct).ConfigureAwait(false);
            return response.HasValue ? response.Value : null;
        }

        /// <summary>Deletes if the ETag matches (default: any); false when the entity did not exist. A stale ETag throws 412.</summary>
        public async Task<bool> DeleteAsync(string partitionKey, string rowKey, ETag ifMatch = default, CancellationToken ct = default)
        {
            // The SDK treats a 404 on delete as success; the stores want to know (a retention pass counts what it removed).
            try
            {
                var response = await table.DeleteEntityAsync(partitionKey, rowKey, ifMatch == default ? ETag.All : ifMatch, ct).ConfigureAwait(false);
                return response.Status != 404;
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                return false;
            }
        }

        /// <summary>One page of a filtered query; pass the returned continuation to get the next page.</summary>
        public async Task<TablePage> QueryPageAsync(
            string? filter, int? top = null, string? continuation = null, IReadOnlyCollection<string>? select = null, CancellationToken ct = default)
        {
            if (top is { } t)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(t, 1);
                ArgumentOutOfRangeException.ThrowIfGreaterThan(t, 1000);
            }

            try
            {
                await foreach (var page in table.QueryAsync<TableEntity>(filter, top, Select(select), ct).AsPages(continuation, top).ConfigureAwait(false))
                {
                    return new TablePage(page.Values, string.IsNullOrEmpty(page.ContinuationToken) ? null : page.ContinuationToken);
                }
            }
            catch (Exception ex) when (continuation is not null && ex is not (OperationCanceledException or InvalidContinuationException)
                && (ex is RequestFailedException { Status: 400 } || !StorageClients.IsOutage(ex)))
            {
                // A token the caller made up or mangled: the caller's mistake, not storage's.
                throw new InvalidContinuationException(ex);
            }

            return new TablePage([], null);
        }

        /// <summary>All entities matching the filter, page by page (the SDK follows the continuation tokens).</summary>
        public IAsyncEnumerable<TableEntity> QueryAsync(string? filter, int pageSize = 1000, IReadOnlyCollection<string>? select = null, CancellationToken ct = default) =>
            table.QueryAsync<TableEntity>(filter, pageSize, Select(select), ct);

        /// <summary>
        /// Runs up to 100 actions on one partition atomically (entity-group transaction): all or none. Checked here so
        /// a mistake is an <see cref="ArgumentException"/> naming it, not a 400 from the service.
        /// </summary>
        public async Task SubmitBatchAsync(IReadOnlyList<TableTransactionAction> actions, CancellationToken ct = default)
        {
            ArgumentNullException.ThrowIfNull(actions);
            if (actions.Count is 0 or > MaxTransactionActions)
            {
                throw new ArgumentException($"A table transaction holds 1 to {MaxTransactionActions} actions; got {actions.Count}.", nameof(actions));
            }

            if (actions.Select(a => a.Entity.PartitionKey).Distinct(StringComparer.Ordinal).Count() > 1)
            {
                throw new ArgumentException("All actions of a table transaction must share one PartitionKey.", nameof(actions));
            }

            using var named = StorageMeter.BeginBatch(table.Name, actions.Count); // a batch's URL does not name its table
            await table.SubmitTransactionAsync(actions, ct).ConfigureAwait(false);
        }
    }

    extension(TableEntity entity)
    {
        /// <summary>A whole number stored as Int32 or Int64 (older rows wrote small counters as Int32).</summary>
        public long? GetWholeNumber(string name) => entity.TryGetValue(name, out var value) ? value switch
        {
            long l => l,
            int i => i,
            _ => null,
        } : null;
    }

    private static IEnumerable<string>? Select(IReadOnlyCollection<string>? select) =>
        select is { Count: > 0 } ? select.Concat(["PartitionKey", "RowKey"]).Distinct() : null;
}

/// <summary>The service's answers the stores branch on, named.</summary>
/// <summary>A continuation token that is not one a page query gave out (the service refused to continue from it).</summary>
public sealed class InvalidContinuationException(Exception inner)
    : ArgumentException("The continuation token is not one this service gave out; start again without it.", inner);

public static class StorageErrors
{
    extension(RequestFailedException ex)
    {
        public bool IsNotFound => ex.Status == 404;

        public bool IsConflict => ex.Status == 409;

        /// <summary>412: an ETag or lease condition no longer holds (someone else wrote first).</summary>
        public bool IsPreconditionFailed => ex.Status == 412;
    }
}

/// <summary>OData filter strings for table queries, quoted once here.</summary>
public static class TableFilter
{
    public static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    public static string PartitionKeyEquals(string partitionKey) => "PartitionKey eq " + Quote(partitionKey);

    public static string Equal(string property, string value) => $"{property} eq {Quote(value)}";

    public static string GreaterThanOrEqual(string property, string value) => $"{property} ge {Quote(value)}";

    public static string GreaterThan(string property, string value) => $"{property} gt {Quote(value)}";

    public static string LessThan(string property, string value) => $"{property} lt {Quote(value)}";

    public static string DateTimeLiteral(DateTimeOffset value) =>
        "datetime'" + value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture) + "'";

    public static string And(params string[] clauses) => string.Join(" and ", clauses.Select(c => "(" + c + ")"));
}

/// <summary>Makes any text usable as a PartitionKey or RowKey (the service forbids / \ # ? and control characters).</summary>
public static class TableKey
{
    public static string Escape(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c is '%' or '/' or '\\' or '#' or '?' || char.IsControl(c))
            {
                sb.Append('%').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }
}
