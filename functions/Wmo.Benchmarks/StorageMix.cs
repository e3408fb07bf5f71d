using System.Diagnostics;
using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs.Models;
using Wmo.AzureStorage;

/// <summary>
/// The storage operations the host sent for a number of messages (a difference of two meter readings): per message,
/// by kind, and per message stage, with each kind's share of the time spent waiting on storage.
/// </summary>
internal sealed class StorageMix(IReadOnlyList<StorageOperationStats> rows, int messages)
{
    /// <summary>The benchmark's own meter readings are not part of the product's work.</summary>
    private const string MeterPhase = "StorageOperations";

    public IReadOnlyList<StorageOperationStats> Rows { get; } = [.. rows.Where(r => r.Kind.Phase != MeterPhase && r.Count > 0).OrderByDescending(r => r.Count)];

    public int Messages { get; } = messages;

    public double PerMessage => (double)Rows.Sum(r => r.Count) / Messages;

    public static IReadOnlyList<StorageOperationStats> Difference(IReadOnlyList<StorageOperationStats> after, IReadOnlyList<StorageOperationStats> before)
    {
        var earlier = before.ToDictionary(b => b.Kind);
        return [.. after.Select(a => earlier.TryGetValue(a.Kind, out var b)
            ? a with { Count = a.Count - b.Count, Failed = a.Failed - b.Failed, TotalMs = a.TotalMs - b.TotalMs, RequestBytes = a.RequestBytes - b.RequestBytes,
                ResponseBytes = a.ResponseBytes - b.ResponseBytes, Rows = a.Rows - b.Rows }
            : a)];
    }

    /// <summary>The message stage an operation belongs to, from the function that sent it and what it touched.</summary>
    public static string Stage(StorageOperationKind k) => (k.Phase, k.Service, k.Resource) switch
    {
        (_, "table", "berichtindex" or "alertindex" or "alertindexdir") => "index",
        (_, "table", "berichten") => "tracking",
        (_, "table", "termijnen") => "due rows",
        ("CakRelay", _, _) or (_, "table", "cakuit") => "CAK leg",
        (_, "table", "alerts" or "levertijden" or "achterstand") => "alerts, lead times",
        ("PostBericht", _, _) => "intake",
        ("RouteBericht", _, _) => "routing",
        _ => "other: " + k.Phase,
    };

    public void Print(TextWriter output)
    {
        var totalMs = Rows.Sum(r => r.TotalMs);
        string Share(double ms) => totalMs <= 0 ? "-" : (ms / totalMs).ToString("P0", CultureInfo.InvariantCulture);
        output.WriteLine();
        output.WriteLine($"Storage operations for {Messages} routed WMO305 (host's meter; count per message, mean time, share of all storage time):");
        output.WriteLine("| stage              | function        | service | operation      | resource       | per msg | mean ms | time | rows/request");
        output.WriteLine("|--------------------|-----------------|---------|----------------|----------------|--------:|--------:|-----:|---------:");
        foreach (var r in Rows.OrderBy(r => Stage(r.Kind), StringComparer.Ordinal).ThenByDescending(r => r.Count))
        {
            // Entities a query returned or a batch wrote: the work behind one request.
            var rowsPerQuery = r.Kind.Operation is "query" or "batch" ? ((double)r.Rows / r.Count).ToString("F1", CultureInfo.InvariantCulture) : "";
            output.WriteLine($"| {Stage(r.Kind),-18} | {r.Kind.Phase,-15} | {r.Kind.Service,-7} | {r.Kind.Operation,-14} | {r.Kind.Resource,-14} | {(double)r.Count / Messages,7:F2} | {r.TotalMs / r.Count,7:F1} | {Share(r.TotalMs),4} | {rowsPerQuery,8}");
        }

        output.WriteLine();
        output.WriteLine("| stage              | per msg | time");
        output.WriteLine("|--------------------|--------:|-----:");
        foreach (var stage in Rows.GroupBy(r => Stage(r.Kind)).OrderByDescending(g => g.Sum(r => r.Count)))
        {
            output.WriteLine($"| {stage.Key,-18} | {(double)stage.Sum(r => r.Count) / Messages,7:F2} | {Share(stage.Sum(r => r.TotalMs)),4}");
        }

        output.WriteLine($"| {"all",-18} | {PerMessage,7:F2} | 100%");
        var polling = Rows.Where(r => r.Kind.Operation == "receive-empty").Sum(r => r.Count);
        output.WriteLine($"  of which polling empty queues: {(double)polling / Messages:F2} per message; failed or throttled tries: {Rows.Sum(r => r.Failed)}");
    }
}

/// <summary>
/// The replayed-mix baseline: the operations of a <see cref="StorageMix"/>, kind by kind at the same count per
/// message, sizes and partition shapes, sent by the same number of concurrent workers with the raw SDK clients and no
/// product logic. A worker plays one message at a time, its operations one after another as the pipeline does. The
/// result is what storage gives for this design; the product's end-to-end rate is measured against it.
/// </summary>
internal static class StorageReplay
{
    public sealed record Result(int Messages, double MessagesPerSecond, double OperationsPerSecond);

    /// <summary>
    /// How the hub partitions each table (docs/scaling.md): rows of one message or person share a partition of their
    /// own; mailboxes, indexes and the CAK outbox share a few partitions that grow with traffic. The replay keeps the
    /// same shape, because Azurite (and a storage partition) costs what a partition holds.
    /// </summary>
    private static string Partition(string resource, Guid message, int n) => resource switch
    {
        "postbus" => "party" + (n % 7),
        "berichtindex" => "index" + (n % 8),
        "cakuit" => "pending",
        "termijnen" => "day" + (n % 3),
        "levertijden" or "alerts" or "achterstand" => "gemeente" + (n % 3),
        "alertindex" or "alertindexdir" => "index",
        _ => message.ToString("N"),
    };

    public static async Task<Result> RunAsync(StorageClients storage, StorageMix mix, int messages, int workers)
    {
        var run = Guid.NewGuid().ToString("N")[..6];
        // Each kind's payload is made once: the replay shares the CPU with Azurite, so it does no work the host does not.
        var kinds = mix.Rows.Select(r => (r.Kind, PerMessage: (double)r.Count / mix.Messages,
            Payload: new string('x', Math.Max(1, (int)Math.Clamp(r.RequestBytes / Math.Max(1, r.Count), 16, 60_000) - 200)),
            Rows: (int)Math.Max(1, Math.Round((double)r.Rows / Math.Max(1, r.Count))))).ToList();

        // Resources of their own, created first (creation is not part of the mix's steady state).
        var tables = new Dictionary<string, TableClient>();
        foreach (var resource in kinds.Where(k => k.Kind.Service == "table").Select(k => k.Kind.Resource).Distinct())
        {
            var table = storage.GetTable("rp" + run + new string([.. resource.Where(char.IsAsciiLetterOrDigit)]));
            await table.CreateIfNotExistsAsync();
            tables[resource] = table;
        }

        var containers = new Dictionary<string, Azure.Storage.Blobs.BlobContainerClient>();
        foreach (var resource in kinds.Where(k => k.Kind.Service == "blob").Select(k => k.Kind.Resource).Distinct())
        {
            var container = storage.GetBlobContainer("rp" + run + "-" + Slug(resource));
            await container.CreateIfNotExistsAsync();
            containers[resource] = container;
        }

        var queues = new Dictionary<string, Azure.Storage.Queues.QueueClient>();
        foreach (var resource in kinds.Where(k => k.Kind.Service == "queue").Select(k => k.Kind.Resource).Distinct())
        {
            var queue = storage.GetQueue("rp" + run + "-" + Slug(resource));
            await queue.CreateIfNotExistsAsync();
            queues[resource] = queue;
        }

        var empty = storage.GetQueue("rp" + run + "-empty");
        await empty.CreateIfNotExistsAsync();

        var operations = 0L;
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            int n;
            while ((n = Interlocked.Increment(ref next)) < messages)
            {
                var message = Guid.NewGuid();
                var received = new Dictionary<string, Azure.Storage.Queues.Models.QueueMessage>();
                foreach (var (kind, perMessage, payload, rows) in kinds)
                {
                    var times = (int)perMessage + (random.NextDouble() < perMessage - Math.Floor(perMessage) ? 1 : 0);
                    for (var i = 0; i < times; i++)
                    {
                        switch (kind.Service)
                        {
                            case "table":
                                await TableAsync(tables[kind.Resource], kind.Operation, Partition(kind.Resource, message, n), message.ToString("N") + "|" + i, payload, rows);
                                break;
                            case "blob":
                                await BlobAsync(containers[kind.Resource], kind.Operation, message.ToString("N") + "/" + i, payload);
                                break;
                            default:
                                await QueueAsync(kind.Operation == "receive-empty" ? empty : queues[kind.Resource], kind.Operation, payload, received);
                                break;
                        }

                        Interlocked.Increment(ref operations);
                    }
                }
            }
        })));
        var seconds = clock.Elapsed.TotalSeconds;

        foreach (var table in tables.Values)
        {
            await table.DeleteAsync();
        }

        foreach (var container in containers.Values)
        {
            await container.DeleteIfExistsAsync();
        }

        foreach (var queue in queues.Values.Append(empty))
        {
            await queue.DeleteIfExistsAsync();
        }

        return new Result(messages, messages / seconds, operations / seconds);
    }

    private static string Slug(string resource) => new([.. resource.ToLowerInvariant().Where(c => char.IsAsciiLetterOrDigit(c) || c == '-').Take(40)]);

    private static async Task TableAsync(TableClient table, string operation, string partition, string row, string payload, int rows)
    {
        var entity = new TableEntity(partition, row) { ["Data"] = payload };
        try
        {
            switch (operation)
            {
                case "get":
                    await table.GetAsync(partition, row);
                    break;
                case "query":
                    await table.QueryPageAsync(TableFilter.PartitionKeyEquals(partition), rows);
                    break;
                case "insert":
                    await table.InsertIfAbsentAsync(entity);
                    break;
                case "delete":
                    await table.DeleteAsync(partition, row);
                    break;
                case "batch":
                    // As many entities as the host's transactions of this kind wrote on average, sharing its bytes.
                    var share = payload[..Math.Max(1, payload.Length / rows)];
                    await table.SubmitBatchAsync([.. Enumerable.Range(0, Math.Min(rows, TableIdioms.MaxTransactionActions))
                        .Select(k => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(partition, row + "|" + k) { ["Data"] = share }))]);
                    break;
                case "merge" or "upsert-merge":
                    await table.UpsertAsync(entity, TableUpdateMode.Merge);
                    break;
                case "table-create":
                    await table.CreateIfNotExistsAsync();
                    break;
                default: // upsert, update (an update of a row the replay may not have: upsert costs the same)
                    await table.UpsertAsync(entity);
                    break;
            }
        }
        catch (RequestFailedException)
        {
            // A conflict or a missing row is an answer like any other; the replay measures requests, not outcomes.
        }
    }

    private static async Task BlobAsync(Azure.Storage.Blobs.BlobContainerClient container, string operation, string name, string payload)
    {
        var blob = container.GetBlobClient(name);
        try
        {
            switch (operation)
            {
                case "put":
                    await blob.UploadAsync(BinaryData.FromString(payload), overwrite: true);
                    break;
                case "get":
                    await blob.DownloadContentAsync();
                    break;
                case "properties":
                    await blob.GetPropertiesAsync();
                    break;
                case "delete":
                    await blob.DeleteIfExistsAsync();
                    break;
                case "list":
                    await container.GetBlobsAsync(BlobTraits.None, BlobStates.None, name[..8], default).AsPages(pageSizeHint: 10).FirstOrDefaultAsync();
                    break;
                default:
                    await container.CreateIfNotExistsAsync();
                    break;
            }
        }
        catch (RequestFailedException)
        {
            // Reading a blob this message did not write: a 404 costs a request all the same.
        }
    }

    private static async Task QueueAsync(Azure.Storage.Queues.QueueClient queue, string operation, string payload,
        Dictionary<string, Azure.Storage.Queues.Models.QueueMessage> received)
    {
        try
        {
            switch (operation)
            {
                case "send":
                    await queue.SendMessageAsync(payload);
                    break;
                case "receive" or "receive-empty":
                    var got = (await queue.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(30))).Value;
                    if (got.Length > 0)
                    {
                        received[queue.Name] = got[0];
                    }

                    break;
                case "delete" when received.Remove(queue.Name, out var message):
                    await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                    break;
                case "update" when received.TryGetValue(queue.Name, out var leased):
                    var updated = await queue.UpdateMessageAsync(leased.MessageId, leased.PopReceipt, visibilityTimeout: TimeSpan.FromSeconds(30));
                    received[queue.Name] = leased.Update(updated.Value);
                    break;
                case "delete" or "update":
                    // Nothing held (the receives of this mix went to other workers): a request that finds no message.
                    await queue.DeleteMessageAsync("00000000-0000-0000-0000-000000000000", "AAAAAA==");
                    break;
                case "peek":
                    await queue.PeekMessagesAsync(1);
                    break;
                default:
                    await queue.GetPropertiesAsync();
                    break;
            }
        }
        catch (RequestFailedException)
        {
        }
    }
}
