using Azure;
using Azure.Storage.Queues;
using Wmo.AzureStorage;
using Wmo.Hub;

namespace Wmo.Functions;

/// <summary>
/// Health under /api: whether each storage service answers (503 when one does not); and, for the admin, the storage
/// operations this instance sent since it started (<see cref="StorageMeter"/>), by function, service, operation and
/// resource: what each step costs, and what the benchmark reads.
/// </summary>
internal static class OperationsEndpoints
{
    public static void MapStorageMeterEndpoint(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/admin/storage-operations", async (HttpContext http, ApiKeys keys, CancellationToken ct) =>
        {
            if (await MailboxEndpoints.AuthenticateAsync(http, keys, ct) is not { } caller)
            {
                return Results.Problem(detail: "Send a valid API key in the X-Api-Key header.", statusCode: StatusCodes.Status401Unauthorized, title: "Unauthenticated");
            }

            if (!Permissions.May(caller, HubAction.ReadStorageMeter))
            {
                return Results.Problem(detail: "Only the admin reads the storage meter.", statusCode: StatusCodes.Status403Forbidden, title: "Not allowed");
            }

            var meter = StorageMeter.Shared;
            return Results.Json(new
            {
                since = meter.Since,
                operations = meter.Snapshot().Select(s => new
                {
                    phase = s.Kind.Phase, service = s.Kind.Service, operation = s.Kind.Operation, resource = s.Kind.Resource,
                    count = s.Count, failed = s.Failed, totalMs = s.TotalMs, requestBytes = s.RequestBytes, responseBytes = s.ResponseBytes, rows = s.Rows,
                }),
            });
        });

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
