using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Wmo.Storage;

public enum TableUpdateMode
{
    /// <summary>The stored entity becomes exactly the given one.</summary>
    Replace,

    /// <summary>Given properties are written; others stay as stored.</summary>
    Merge,
}

/// <summary>Outcome of an insert-if-absent: the duplicate case is a normal result, not an exception.</summary>
public readonly record struct TableInsertResult(bool Inserted, string? ETag)
{
    public static TableInsertResult AlreadyExists => new(false, null);
}

/// <summary>A page of query results and the continuation to fetch the next one (null at the end).</summary>
public sealed record TablePage(IReadOnlyList<TableEntity> Entities, TableContinuation? Continuation);

public sealed record TableContinuation(string NextPartitionKey, string? NextRowKey);

public enum TableActionKind
{
    Add,
    UpsertReplace,
    UpsertMerge,
    UpdateReplace,
    UpdateMerge,
    Delete,
}

/// <summary>One operation in an entity-group transaction. <see cref="ETag"/> applies to Update and Delete ("*" = any).</summary>
public sealed record TableTransactionAction(TableActionKind Kind, TableEntity Entity, string ETag = "*");

/// <summary>Azure Table Storage REST operations on one table (JSON, OData minimal metadata).</summary>
public sealed partial class TableClient
{
    public const int MaxTransactionActions = 100;
    public const int MaxTransactionBytes = 4 * 1024 * 1024;

    private static readonly HttpMethod Merge = new("MERGE");

    private readonly StorageClient _storage;

    internal TableClient(StorageClient storage, string name)
    {
        _storage = storage;
        Name = name;
    }

    public string Name { get; }

    public async Task<bool> CreateIfNotExistsAsync(CancellationToken ct = default)
    {
        using var response = await SendAsync(HttpMethod.Post, "Tables", JsonBody(w =>
        {
            w.WriteStartObject();
            w.WriteString("TableName", Name);
            w.WriteEndObject();
        }), ct: ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }

        await EnsureSuccessAsync(response, "Create table", ct).ConfigureAwait(false);
        return true;
    }

    public async Task<bool> DeleteIfExistsAsync(CancellationToken ct = default)
    {
        using var response = await SendAsync(HttpMethod.Delete, $"Tables('{TableKeys.InUrl(Name)}')", ct: ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        await EnsureSuccessAsync(response, "Delete table", ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Inserts the entity if no entity with its keys exists. A duplicate is reported as
    /// <see cref="TableInsertResult.Inserted"/> = false (service 409 EntityAlreadyExists) — the basis of idempotent intake.
    /// </summary>
    public async Task<TableInsertResult> InsertIfAbsentAsync(TableEntity entity, CancellationToken ct = default)
    {
        using var response = await SendAsync(HttpMethod.Post, Name, JsonBody(entity.WriteJson), prefer: "return-no-content", ct: ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            var (code, _) = await StorageClient.ReadErrorAsync(response, ct).ConfigureAwait(false);
            if (code == "EntityAlreadyExists")
            {
                return TableInsertResult.AlreadyExists;
            }
        }

        await EnsureSuccessAsync(response, "Insert entity", ct).ConfigureAwait(false);
        entity.ETag = ETagOf(response);
        return new TableInsertResult(true, entity.ETag);
    }

    /// <summary>Inserts or replaces/merges, whatever is stored (no concurrency check).</summary>
    public Task<string> UpsertAsync(TableEntity entity, TableUpdateMode mode = TableUpdateMode.Replace, CancellationToken ct = default) =>
        WriteAsync(entity, mode, ifMatch: null, "Upsert entity", ct);

    /// <summary>
    /// Updates an existing entity only if its ETag still matches (<paramref name="ifMatch"/>, "*" = any). A stale ETag
    /// throws <see cref="StorageRequestException"/> with <see cref="StorageRequestException.IsPreconditionFailed"/>;
    /// a missing entity throws with <see cref="StorageRequestException.IsNotFound"/>.
    /// </summary>
    public Task<string> UpdateAsync(TableEntity entity, string ifMatch, TableUpdateMode mode = TableUpdateMode.Replace, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(ifMatch);
        return WriteAsync(entity, mode, ifMatch, "Update entity", ct);
    }

    public async Task<TableEntity?> GetAsync(string partitionKey, string rowKey, CancellationToken ct = default)
    {
        using var response = await SendAsync(HttpMethod.Get, EntityPath(partitionKey, rowKey), ct: ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        await EnsureSuccessAsync(response, "Get entity", ct).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false));
        var entity = TableEntity.FromJson(doc.RootElement);
        entity.ETag = ETagOf(response) ?? entity.ETag;
        return entity;
    }

    /// <summary>Deletes if the ETag matches ("*" = any); false when the entity did not exist.</summary>
    public async Task<bool> DeleteAsync(string partitionKey, string rowKey, string ifMatch = "*", CancellationToken ct = default)
    {
        using var response = await SendAsync(HttpMethod.Delete, EntityPath(partitionKey, rowKey), ifMatch: ifMatch, ct: ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        await EnsureSuccessAsync(response, "Delete entity", ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>One page of a filtered query; pass the returned continuation to get the next page.</summary>
    public async Task<TablePage> QueryPageAsync(
        string? filter, int? top = null, TableContinuation? continuation = null, IReadOnlyCollection<string>? select = null, CancellationToken ct = default)
    {
        var query = new List<string>();
        if (!string.IsNullOrEmpty(filter))
        {
            query.Add("$filter=" + Uri.EscapeDataString(filter));
        }

        if (top is { } t)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(t, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(t, 1000);
            query.Add("$top=" + t.ToString(CultureInfo.InvariantCulture));
        }

        if (select is { Count: > 0 })
        {
            query.Add("$select=" + Uri.EscapeDataString(string.Join(',', select.Concat(["PartitionKey", "RowKey"]).Distinct())));
        }

        if (continuation is not null)
        {
            query.Add("NextPartitionKey=" + Uri.EscapeDataString(continuation.NextPartitionKey));
            if (continuation.NextRowKey is not null)
            {
                query.Add("NextRowKey=" + Uri.EscapeDataString(continuation.NextRowKey));
            }
        }

        var path = Name + "()" + (query.Count > 0 ? "?" + string.Join('&', query) : string.Empty);
        using var response = await SendAsync(HttpMethod.Get, path, ct: ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "Query entities", ct).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false));
        var entities = doc.RootElement.GetProperty("value").EnumerateArray().Select(TableEntity.FromJson).ToList();
        var nextPk = Header(response, "x-ms-continuation-NextPartitionKey");
        return new TablePage(entities, nextPk is null ? null : new TableContinuation(nextPk, Header(response, "x-ms-continuation-NextRowKey")));
    }

    /// <summary>All entities matching the filter, following continuation tokens page by page.</summary>
    public async IAsyncEnumerable<TableEntity> QueryAsync(
        string? filter, int pageSize = 1000, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        TableContinuation? continuation = null;
        do
        {
            var page = await QueryPageAsync(filter, pageSize, continuation, ct: ct).ConfigureAwait(false);
            foreach (var entity in page.Entities)
            {
                yield return entity;
            }

            continuation = page.Continuation;
        }
        while (continuation is not null);
    }

    /// <summary>
    /// Runs up to 100 operations on one partition atomically (entity-group transaction): all succeed or none.
    /// Returns the new ETag of each action (null for deletes). A failure throws <see cref="TableTransactionFailedException"/>
    /// naming the failed action; an <see cref="TableActionKind.Add"/> of an existing entity fails with EntityAlreadyExists.
    /// </summary>
    public async Task<IReadOnlyList<string?>> SubmitTransactionAsync(IReadOnlyList<TableTransactionAction> actions, CancellationToken ct = default)
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

        if (actions.Select(a => a.Entity.RowKey).Distinct(StringComparer.Ordinal).Count() != actions.Count)
        {
            throw new ArgumentException("A table transaction may touch each entity only once.", nameof(actions));
        }

        var batchBoundary = "batch_" + Guid.NewGuid().ToString("N");
        var changesetBoundary = "changeset_" + Guid.NewGuid().ToString("N");
        var body = new StringBuilder();
        body.Append("--").Append(batchBoundary).Append("\r\n");
        body.Append("Content-Type: multipart/mixed; boundary=").Append(changesetBoundary).Append("\r\n\r\n");
        for (var i = 0; i < actions.Count; i++)
        {
            AppendAction(body, changesetBoundary, actions[i], i);
        }

        body.Append("--").Append(changesetBoundary).Append("--\r\n");
        body.Append("--").Append(batchBoundary).Append("--\r\n");
        var bytes = Encoding.UTF8.GetBytes(body.ToString());
        if (bytes.Length > MaxTransactionBytes)
        {
            throw new ArgumentException($"Table transaction payload is {bytes.Length} bytes; the limit is {MaxTransactionBytes}.", nameof(actions));
        }

        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse($"multipart/mixed; boundary={batchBoundary}");
        using var response = await SendAsync(HttpMethod.Post, "$batch", content, ct: ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "Table transaction", ct).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        return ParseTransactionResponse(text, actions.Count);
    }

    private void AppendAction(StringBuilder body, string boundary, TableTransactionAction action, int index)
    {
        var entity = action.Entity;
        var (method, url, ifMatch, withBody) = action.Kind switch
        {
            TableActionKind.Add => ("POST", _storage.Uri(StorageService.Table, Name).AbsoluteUri, null, true),
            TableActionKind.UpsertReplace => ("PUT", EntityUrl(entity), null, true),
            TableActionKind.UpsertMerge => ("MERGE", EntityUrl(entity), null, true),
            TableActionKind.UpdateReplace => ("PUT", EntityUrl(entity), action.ETag, true),
            TableActionKind.UpdateMerge => ("MERGE", EntityUrl(entity), action.ETag, true),
            TableActionKind.Delete => ("DELETE", EntityUrl(entity), action.ETag, false),
            _ => throw new ArgumentOutOfRangeException(nameof(action)),
        };
        body.Append("--").Append(boundary).Append("\r\n");
        body.Append("Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n");
        body.Append(method).Append(' ').Append(url).Append(" HTTP/1.1\r\n");
        body.Append("Accept: application/json;odata=minimalmetadata\r\n");
        body.Append("DataServiceVersion: 3.0;\r\n");
        body.Append("Content-ID: ").Append(index.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        if (ifMatch is not null)
        {
            body.Append("If-Match: ").Append(ifMatch).Append("\r\n");
        }

        if (withBody)
        {
            body.Append("Content-Type: application/json\r\n");
            if (action.Kind == TableActionKind.Add)
            {
                body.Append("Prefer: return-no-content\r\n");
            }

            body.Append("\r\n");
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer))
            {
                entity.WriteJson(w);
            }

            body.Append(Encoding.UTF8.GetString(buffer.ToArray())).Append("\r\n");
        }
        else
        {
            body.Append("\r\n");
        }
    }

    [GeneratedRegex(@"^HTTP/1\.1 (\d{3})[^\r\n]*\r?\n(.*?)(?=\r?\n--changesetresponse|\r?\n--batchresponse|\z)", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex ResponsePart();

    [GeneratedRegex(@"^ETag:\s*(\S+)", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex ETagHeader();

    [GeneratedRegex(@"^(\d+):")]
    private static partial Regex FailedIndex();

    private static List<string?> ParseTransactionResponse(string text, int actionCount)
    {
        var parts = ResponsePart().Matches(text);
        var etags = new List<string?>(actionCount);
        foreach (Match part in parts)
        {
            var status = (HttpStatusCode)int.Parse(part.Groups[1].Value, CultureInfo.InvariantCulture);
            var rest = part.Groups[2].Value;
            if ((int)status >= 300)
            {
                var jsonStart = rest.IndexOf('{', StringComparison.Ordinal);
                var (code, message) = StorageClient.ParseError(null, jsonStart < 0 ? string.Empty : rest[jsonStart..], status);
                var index = FailedIndex().Match(message) is { Success: true } m
                    ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)
                    : (int?)null;
                throw new TableTransactionFailedException(status, code, message, index);
            }

            var etag = ETagHeader().Match(rest);
            etags.Add(etag.Success ? etag.Groups[1].Value : null);
        }

        if (etags.Count != actionCount)
        {
            throw new TableTransactionFailedException(HttpStatusCode.InternalServerError, "UnexpectedBatchResponse",
                $"Expected {actionCount} operation responses, got {etags.Count}.", null);
        }

        return etags;
    }

    private async Task<string> WriteAsync(TableEntity entity, TableUpdateMode mode, string? ifMatch, string what, CancellationToken ct)
    {
        using var response = await SendAsync(
            mode == TableUpdateMode.Merge ? Merge : HttpMethod.Put,
            EntityPath(entity.PartitionKey, entity.RowKey),
            JsonBody(entity.WriteJson),
            ifMatch: ifMatch,
            ct: ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, what, ct).ConfigureAwait(false);
        entity.ETag = ETagOf(response);
        return entity.ETag!;
    }

    private string EntityPath(string pk, string rk) => $"{Name}(PartitionKey='{TableKeys.InUrl(pk)}',RowKey='{TableKeys.InUrl(rk)}')";

    private string EntityUrl(TableEntity e) => _storage.Uri(StorageService.Table, EntityPath(e.PartitionKey, e.RowKey)).AbsoluteUri;

    private static ByteArrayContent JsonBody(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            write(w);
        }

        var content = new ByteArrayContent(buffer.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private async Task<HttpResponseMessage> SendAsync(
        HttpMethod method, string relative, HttpContent? content = null, string? ifMatch = null, string? prefer = null, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(method, _storage.Uri(StorageService.Table, relative)) { Content = content };
        request.Headers.Accept.ParseAdd("application/json;odata=minimalmetadata");
        request.Headers.TryAddWithoutValidation("DataServiceVersion", "3.0;NetFx");
        request.Headers.TryAddWithoutValidation("MaxDataServiceVersion", "3.0;NetFx");
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        if (prefer is not null)
        {
            request.Headers.TryAddWithoutValidation("Prefer", prefer);
        }

        return await _storage.SendAsync(StorageService.Table, request, ct).ConfigureAwait(false);
    }

    private Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken ct) =>
        StorageClient.EnsureSuccessAsync(response, $"{what} ({Name})", ct);

    private static string? ETagOf(HttpResponseMessage response) =>
        response.Headers.ETag?.ToString() ?? Header(response, "ETag");

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var v) ? v.FirstOrDefault() : null;
}
