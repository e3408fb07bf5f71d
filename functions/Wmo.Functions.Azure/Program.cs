using Azure.Storage.Queues;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Wmo.AzureStorage;
using Wmo.Functions.Runtime;
using Wmo.Host;

namespace Wmo.Functions.Azure;

/// <summary>
/// The Azure Functions isolated-worker app. It composes the same services as the local host (<c>AddHub</c>) and
/// registers the same handlers; each function class only binds a trigger and calls its handler.
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        var builder = FunctionsApplication.CreateBuilder(args);
        builder.ConfigureFunctionsWebApplication();
        Compose(builder.Services, builder.Configuration, Path.Combine(AppContext.BaseDirectory, "host.json"));
        builder.Build().Run();
    }

    /// <summary>Everything the functions need, as the local host has it (no trigger runtime: Azure triggers instead).</summary>
    public static void Compose(IServiceCollection services, IConfiguration configuration, string hostJsonPath)
    {
        var hostJson = HostJson.Load(hostJsonPath, configuration);
        services.AddRouting();
        services.AddProblemDetails();
        services.AddSingleton(TimeProvider.System);
        // Storage exactly as the Functions host reads AzureWebJobsStorage (connection string or identity-based).
        services.AddStorage(configuration, options =>
        {
            if (options is QueueClientOptions queues)
            {
                queues.MessageEncoding = hostJson.Queues.MessageEncoding;
            }
        });
        services.AddSingleton<StorageHealth>();
        services.AddHub(configuration);
        services.AddSingleton<HubRoutes>();
        foreach (var handler in Handlers.Types)
        {
            services.AddScoped(handler);
        }
    }
}
