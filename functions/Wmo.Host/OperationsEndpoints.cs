using Azure;
using Azure.Storage.Queues;
using Wmo.AzureStorage;
using Wmo.Functions.Runtime;

namespace Wmo.Host;

/// <summary>Health and runtime introspection under /api (the HTTP triggers of operations).</summary>
internal static class OperationsEndpoints
{
    public static void MapHealthEndpoint(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/health", async (StorageHealth health, CancellationToken ct) =>
        {
            var services = await health.CheckAsync(ct);
            var healthy = services.Values.All(v => v == "ok");
            return Results.Json(
                new { status = healthy ? "Healthy" : "Unhealthy", storage = services },
                statusCode: healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });

    /// <summary>The local trigger runtime's functions (in Azure the portal and Application Insights show these).</summary>
    public static void MapRuntimeEndpoint(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/functions", async (FunctionsRuntime runtime, FunctionCatalog catalog, StorageClients storage, IConfiguration config, CancellationToken ct) =>
            Results.Json(await FunctionStatus.ReadAsync(runtime, catalog, storage, config, ct)));
}

/// <summary>One function as operators see it: trigger, binding, queue and poison-queue depth.</summary>
internal sealed record FunctionStatus(string Name, string Trigger, string Binding, long? QueueLength, long? PoisonLength)
{
    public static async Task<IReadOnlyList<FunctionStatus>> ReadAsync(
        FunctionsRuntime runtime, FunctionCatalog catalog, StorageClients storage, IConfiguration config, CancellationToken ct)
    {
        var result = new List<FunctionStatus>();
        foreach (var function in catalog.Functions)
        {
            switch (function)
            {
                case QueueFunctionDefinition q:
                    var queue = runtime.QueueNames.TryGetValue(q.Name, out var name) ? name : BindingExpression.Resolve(q.QueueExpression, config);
                    result.Add(new FunctionStatus(q.Name, "queue", queue,
                        await LengthAsync(storage.GetQueue(queue), ct), await LengthAsync(storage.GetQueue(queue + "-poison"), ct)));
                    break;
                case TimerFunctionDefinition t:
                    result.Add(new FunctionStatus(t.Name, "timer", BindingExpression.Resolve(t.ScheduleExpression, config), null, null));
                    break;
            }
        }

        return result;
    }

    internal static async Task<long?> LengthAsync(QueueClient queue, CancellationToken ct)
    {
        try
        {
            return await queue.GetApproximateCountAsync(ct);
        }
        catch (RequestFailedException ex) when (ex.IsNotFound)
        {
            return 0; // a poison queue exists only once something was poisoned
        }
    }
}

/// <summary>Checks that each storage service answers and accepts our credentials, without writing anything.</summary>
internal sealed class StorageHealth
{
    private readonly StorageClients _storage;
    private readonly ILogger<StorageHealth> _logger;

    public StorageHealth(StorageClients storage, ILogger<StorageHealth> logger)
    {
        _storage = storage;
        _logger = logger;
    }

    public async Task<IReadOnlyDictionary<string, string>> CheckAsync(CancellationToken ct)
    {
        // Reading something that need not exist: a 404 proves the service is up and our key is accepted.
        var checks = new Dictionary<string, Func<Task>>
        {
            ["blob"] = () => _storage.GetBlobContainer("wmo-health-probe").GetAsync("probe", ct),
            ["queue"] = () => _storage.GetQueue("wmo-health-probe").GetApproximateCountAsync(ct),
            ["table"] = () => _storage.GetTable("wmohealthprobe").GetAsync("probe", "probe", ct),
        };
        var result = new Dictionary<string, string>();
        foreach (var (service, check) in checks)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                await check().WaitAsync(timeout.Token);
                result[service] = "ok";
            }
            catch (RequestFailedException ex) when (ex.IsNotFound)
            {
                result[service] = "ok";
            }
            catch (Exception ex) when (ex is RequestFailedException or HttpRequestException or IOException or OperationCanceledException)
            {
                _logger.LogWarning(ex, "Storage health check for {Service} failed", service);
                result[service] = ex is RequestFailedException s ? $"error {(int)s.Status} {s.ErrorCode}" : "unreachable";
            }
        }

        return result;
    }
}
