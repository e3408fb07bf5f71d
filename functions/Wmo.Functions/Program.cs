using Azure.Storage.Queues;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Wmo.AzureStorage;
using Wmo.Functions.Runtime;

namespace Wmo.Functions;

/// <summary>
/// The Azure Functions isolated-worker app: what the Functions host starts in Azure. The local host (Wmo.Host) composes
/// the same services through <see cref="AddWmoApp"/> and runs the same [Function] classes.
/// </summary>
public static class Program
{
    public static void Main(string[] args) => Build(args).Run();

    /// <summary>
    /// The worker host, built but not started. Building it validates every registration (ValidateOnBuild), so a wiring
    /// error fails the first start in Azure rather than the first request; the Functions tests build it in CI and
    /// create every function class from it.
    /// </summary>
    public static IHost Build(string[] args)
    {
        var builder = FunctionsApplication.CreateBuilder(args);
        builder.ConfigureFunctionsWebApplication();
        builder.UseMiddleware<StoragePhaseMiddleware>();

        // Application Insights in Azure (APPLICATIONINSIGHTS_CONNECTION_STRING); logging scopes (BerichtId) become
        // custom dimensions, so an operator can follow one message from intake to the CAK.
        builder.Services.AddApplicationInsightsTelemetryWorkerService().ConfigureFunctionsApplicationInsights();
        // The worker's default filter drops everything below Warning for Application Insights; the app's own
        // Information lines (routed, relayed, scanned) are what operators follow, so host.json/app settings decide.
        builder.Logging.Services.Configure<LoggerFilterOptions>(options =>
        {
            var rule = options.Rules.FirstOrDefault(r => r.ProviderName == "Microsoft.Extensions.Logging.ApplicationInsights.ApplicationInsightsLoggerProvider");
            if (rule is not null)
            {
                options.Rules.Remove(rule);
            }
        });

        // The Azure SDK logs every storage request at Information: that would be most of the telemetry (and its bill).
        builder.Logging.AddFilter("Azure", LogLevel.Warning);
        builder.Services.AddWmoApp(builder.Configuration, Path.Combine(AppContext.BaseDirectory, "host.json"));
        builder.ConfigureContainer(new DefaultServiceProviderFactory(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true }));
        return builder.Build();
    }

    /// <summary>
    /// Everything the functions need, for the Azure worker and the local host alike: storage as the Functions host
    /// reads AzureWebJobsStorage (with host.json's queue message encoding), the hub and its HTTP endpoints.
    /// </summary>
    public static IServiceCollection AddWmoApp(this IServiceCollection services, IConfiguration configuration, string hostJsonPath)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddRouting();
        services.AddProblemDetails();
        if (!services.Any(d => d.ServiceType == typeof(StorageClients)))
        {
            var hostJson = HostJson.Load(hostJsonPath, configuration);
            services.AddStorage(configuration, options =>
            {
                if (options is QueueClientOptions queues)
                {
                    queues.MessageEncoding = hostJson.Queues.MessageEncoding;
                }
            });
        }

        services.AddSingleton<StorageHealth>();
        services.AddDashboardAntiforgery();
        services.AddHub(configuration);
        services.AddSingleton<HubRoutes>();
        return services;
    }
}

/// <summary>Counts each invocation's storage requests under its function's name (<see cref="StorageMeter"/>), as the local runtime does.</summary>
internal sealed class StoragePhaseMiddleware : Microsoft.Azure.Functions.Worker.Middleware.IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, Microsoft.Azure.Functions.Worker.Middleware.FunctionExecutionDelegate next)
    {
        using var phase = StorageMeter.BeginPhase(context.FunctionDefinition.Name);
        await next(context);
    }
}
