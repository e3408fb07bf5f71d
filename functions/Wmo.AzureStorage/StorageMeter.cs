using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Wmo.AzureStorage;

/// <summary>One kind of storage request: which function did it, to which service, what, on which table/container/queue.</summary>
/// <param name="Phase">The function (or caller) it ran for, e.g. <c>PostBericht</c>, <c>RouteBericht</c>, <c>CakRelay</c>.</param>
/// <param name="Operation">What was asked, e.g. <c>get</c>, <c>query</c>, <c>batch</c>, <c>upsert</c>, <c>put</c>, <c>send</c>, <c>receive-empty</c>.</param>
/// <param name="Resource">The table, blob container or queue.</param>
public sealed record StorageOperationKind(string Phase, string Service, string Operation, string Resource);

/// <summary>What the meter saw of one <see cref="StorageOperationKind"/>.</summary>
/// <param name="Rows">Entities returned by table queries (what the query read back; the rows it scanned are not visible), and entities written by table batches.</param>
public sealed record StorageOperationStats(StorageOperationKind Kind, long Count, long Failed, double TotalMs, long RequestBytes, long ResponseBytes, long Rows);

/// <summary>
/// Counts and times every storage request the process sends, by function, service, operation and resource: the
/// storage budget of each message step, and what a month of traffic costs in transactions (Azure bills each request,
/// a retried one again, a table batch once). One meter per process (<see cref="Shared"/>); every storage client the
/// app creates carries a <see cref="StorageMeterPolicy"/>. Requests are counted per try, as the service sees them.
/// </summary>
public sealed class StorageMeter
{
    public static StorageMeter Shared { get; } = new();

    private static readonly AsyncLocal<string?> CurrentPhase = new();
    private static readonly AsyncLocal<(string Resource, int Rows)?> CurrentBatch = new();

    private readonly ConcurrentDictionary<StorageOperationKind, Counter> _counters = new();

    /// <summary>When the meter started counting (the process start, on the wall clock: a demo clock does not apply).</summary>
    public DateTimeOffset Since { get; } = TimeProvider.System.GetUtcNow();

    /// <summary>
    /// Marks the requests of the calling flow (and everything it awaits or starts) as done for <paramref name="phase"/>
    /// until disposed; the runtime sets the function's name around each invocation and each queue listener.
    /// </summary>
    public static IDisposable BeginPhase(string phase) => new Restore<string?>(CurrentPhase, phase);

    /// <summary>The phase requests of the calling flow are counted under (null: none set).</summary>
    public static string? Phase => CurrentPhase.Value;

    /// <summary>Names the table of a batch request, whose URL (<c>$batch</c>) does not, and how many entities it writes.</summary>
    internal static IDisposable BeginBatch(string resource, int rows) => new Restore<(string, int)?>(CurrentBatch, (resource, rows));

    internal static int BatchRows => CurrentBatch.Value?.Rows ?? 0;

    public IReadOnlyList<StorageOperationStats> Snapshot() =>
        [.. _counters.Select(c => c.Value.Stats(c.Key)).OrderBy(s => s.Kind.Phase, StringComparer.Ordinal).ThenBy(s => s.Kind.Service, StringComparer.Ordinal)
            .ThenBy(s => s.Kind.Resource, StringComparer.Ordinal).ThenBy(s => s.Kind.Operation, StringComparer.Ordinal)];

    internal void Record(StorageOperationKind kind, bool failed, TimeSpan elapsed, long requestBytes, long responseBytes, long rows) =>
        _counters.GetOrAdd(kind, _ => new Counter()).Add(failed, elapsed, requestBytes, responseBytes, rows);

    internal static string? ResourceHint => CurrentBatch.Value?.Resource;

    private sealed class Counter
    {
        private long _count;
        private long _failed;
        private long _ticks;
        private long _requestBytes;
        private long _responseBytes;
        private long _rows;

        public void Add(bool failed, TimeSpan elapsed, long requestBytes, long responseBytes, long rows)
        {
            Interlocked.Increment(ref _count);
            if (failed)
            {
                Interlocked.Increment(ref _failed);
            }

            Interlocked.Add(ref _ticks, elapsed.Ticks);
            Interlocked.Add(ref _requestBytes, requestBytes);
            Interlocked.Add(ref _responseBytes, responseBytes);
            Interlocked.Add(ref _rows, rows);
        }

        public StorageOperationStats Stats(StorageOperationKind kind) => new(kind, Interlocked.Read(ref _count), Interlocked.Read(ref _failed),
            TimeSpan.FromTicks(Interlocked.Read(ref _ticks)).TotalMilliseconds, Interlocked.Read(ref _requestBytes), Interlocked.Read(ref _responseBytes), Interlocked.Read(ref _rows));
    }

    private sealed class Restore<T> : IDisposable
    {
        private readonly AsyncLocal<T> _slot;
        private readonly T _previous;

        public Restore(AsyncLocal<T> slot, T value)
        {
            _slot = slot;
            _previous = slot.Value!;
            slot.Value = value;
        }

        public void Dispose() => _slot.Value = _previous;
    }
}

/// <summary>
/// The pipeline policy that feeds <see cref="StorageMeter"/>: placed per retry, so each request sent is counted
/// once, with its time on the wire and its answer. It reads only the URL, method, headers and (for table queries and
/// queue receives, whose answers the SDK buffers anyway) the buffered body.
/// </summary>
public sealed class StorageMeterPolicy(string service, StorageMeter meter) : HttpPipelinePolicy
{
    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            ProcessNext(message, pipeline);
        }
        finally
        {
            Record(message, started);
        }
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        }
        finally
        {
            Record(message, started);
        }
    }

    private void Record(HttpMessage message, long started)
    {
        var elapsed = Stopwatch.GetElapsedTime(started);
        var response = message.HasResponse ? message.Response : null;
        var (operation, resource) = StorageRequests.Classify(service, message.Request);
        var body = response?.ContentStream as MemoryStream;
        long rows = 0;
        if (body is not null && response!.Status < 300)
        {
            var bytes = body.GetBuffer().AsSpan(0, (int)body.Length);
            if (operation == "query")
            {
                rows = StorageRequests.Count(bytes, "\"odata.etag\""u8);
            }
            else if (operation == "receive" && StorageRequests.Count(bytes, "<QueueMessage>"u8) == 0)
            {
                operation = "receive-empty"; // polling an empty queue: billed like any request
            }
        }

        if (operation == "batch")
        {
            rows = StorageMeter.BatchRows; // one request, many entities: what storage works through
        }

        var requestBytes = message.Request.Content?.TryComputeLength(out var length) == true ? length : 0;
        var failed = response is null || (response.Status >= 500 || response.Status == (int)HttpStatusCode.TooManyRequests);
        meter.Record(new StorageOperationKind(StorageMeter.Phase ?? "(other)", service, operation, resource), failed, elapsed, requestBytes, body?.Length ?? 0, rows);
    }
}

/// <summary>Names a storage REST request by what it does (the operation names of the Storage REST API, shortened).</summary>
public static class StorageRequests
{
    public static (string Operation, string Resource) Classify(string service, Request request) =>
        Classify(service, request.Uri.ToUri(), request.Method.Method, request.Headers.TryGetValue("If-Match", out _));

    /// <param name="conditional">The request has an If-Match header (an update of an existing entity, not an upsert).</param>
    public static (string Operation, string Resource) Classify(string service, Uri uri, string method, bool conditional)
    {
        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToList();
        // Azurite and other emulators put the account in the path (127.0.0.1:10000/devstoreaccount1/...).
        if (segments.Count > 0 && (IPAddress.TryParse(uri.Host, out _) || !uri.Host.Contains('.', StringComparison.Ordinal)))
        {
            segments.RemoveAt(0);
        }

        var query = uri.Query;
        return service switch
        {
            "table" => Table(segments, method, conditional),
            "queue" => Queue(segments, method, query),
            _ => Blob(segments, method, query),
        };
    }

    private static (string, string) Table(List<string> segments, string method, bool conditional)
    {
        if (segments.Count == 0)
        {
            return (method.ToLowerInvariant(), "(account)");
        }

        var first = segments[0];
        if (first == "$batch")
        {
            return ("batch", StorageMeter.ResourceHint ?? "(batch)");
        }

        if (first.StartsWith("Tables", StringComparison.Ordinal))
        {
            return (method == "POST" ? "table-create" : method == "DELETE" ? "table-delete" : "table-list", first.Length > 6 ? first[8..^2] : "(tables)");
        }

        var paren = first.IndexOf('(', StringComparison.Ordinal);
        var table = paren < 0 ? first : first[..paren];
        var keyed = paren >= 0 && first.Contains("PartitionKey=", StringComparison.Ordinal);
        var operation = method switch
        {
            "GET" when keyed => "get",
            "GET" => "query",
            "POST" => "insert",
            "PUT" => conditional ? "update" : "upsert",
            "MERGE" or "PATCH" => conditional ? "merge" : "upsert-merge",
            "DELETE" => "delete",
            _ => method.ToLowerInvariant(),
        };
        return (operation, table);
    }

    private static (string, string) Queue(List<string> segments, string method, string query)
    {
        if (segments.Count == 0)
        {
            return ("list", "(account)");
        }

        var queue = segments[0];
        if (segments.Count == 1)
        {
            return (method switch { "PUT" => "queue-create", "DELETE" => "queue-delete", _ => "properties" }, queue);
        }

        var message = segments.Count > 2;
        var operation = (method, message) switch
        {
            ("POST", _) => "send",
            ("GET", _) => query.Contains("peekonly=true", StringComparison.OrdinalIgnoreCase) ? "peek" : "receive",
            ("DELETE", true) => "delete",
            ("DELETE", false) => "clear",
            ("PUT", true) => "update",
            _ => method.ToLowerInvariant(),
        };
        return (operation, queue);
    }

    private static (string, string) Blob(List<string> segments, string method, string query)
    {
        if (segments.Count == 0)
        {
            return ("list-containers", "(account)");
        }

        var container = segments[0];
        if (segments.Count == 1)
        {
            return (query.Contains("comp=list", StringComparison.OrdinalIgnoreCase) ? "list" : method switch
            {
                "PUT" => "container-create",
                "DELETE" => "container-delete",
                _ => "container-properties",
            }, container);
        }

        return (method switch { "PUT" => "put", "GET" => "get", "HEAD" => "properties", "DELETE" => "delete", _ => method.ToLowerInvariant() }, container);
    }

    internal static int Count(ReadOnlySpan<byte> text, ReadOnlySpan<byte> needle)
    {
        var count = 0;
        int at;
        while ((at = text.IndexOf(needle)) >= 0)
        {
            count++;
            text = text[(at + needle.Length)..];
        }

        return count;
    }
}
