using Azure;
using Azure.Storage.Queues;
using Wmo.AzureStorage;

namespace Wmo.Functions;

/// <summary>Health under /api: whether each storage service answers (503 when one does not).</summary>
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
            catch (Exception ex) when (StorageClients.IsOutage(ex) || ex is RequestFailedException or OperationCanceledException)
            {
                _logger.LogWarning(ex, "Storage health check for {Service} failed", service);
                result[service] = ex is RequestFailedException { Status: > 0 } s ? $"error {(int)s.Status} {s.ErrorCode}" : "unreachable";
            }
        }

        return result;
    }
}
