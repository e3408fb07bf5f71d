using Azure;
using Azure.Storage.Queues;
using Wmo.AzureStorage;
using Wmo.Functions.Runtime;

namespace Wmo.Host;

/// <summary>What the local trigger runtime hosts, under /api/functions (in Azure the portal and Application Insights show this).</summary>
internal static class RuntimeEndpoints
{
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
                case HttpFunctionDefinition h:
                    result.Add(new FunctionStatus(h.Name, "http", $"{string.Join(",", h.Methods)} /{h.Route}", null, null));
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

