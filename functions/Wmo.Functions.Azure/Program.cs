using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Wmo.Functions.Runtime;
using Wmo.Host;
using Wmo.Storage;

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
        services.AddSingleton(sp => AzureStorage.Create(configuration, hostJson.Queues.MessageEncoding, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<StorageHealth>();
        services.AddHub(configuration);
        services.AddSingleton<HubRoutes>();
        foreach (var handler in Handlers.Types)
        {
            services.AddScoped(handler);
        }
    }
}

/// <summary>
/// Storage as Azure Functions configures it: <c>AzureWebJobsStorage</c> as a connection string (account key), or
/// identity-based with <c>AzureWebJobsStorage__accountName</c> and the app's managed identity (Entra ID, no keys;
/// <c>AzureWebJobsStorage__clientId</c> picks a user-assigned identity).
/// </summary>
public static class AzureStorage
{
    public static StorageClient Create(IConfiguration configuration, QueueMessageEncoding encoding, TimeProvider time)
    {
        if (configuration["AzureWebJobsStorage"] is { Length: > 0 } connection)
        {
            return StorageClient.FromConnectionString(connection, new StorageClientOptions { MessageEncoding = encoding, TimeProvider = time });
        }

        var account = configuration["AzureWebJobsStorage:accountName"]
            ?? throw new InvalidOperationException("Set AzureWebJobsStorage (connection string) or AzureWebJobsStorage__accountName (managed identity).");
        var identity = ManagedIdentity.FromEnvironment(new HttpClient(), configuration["AzureWebJobsStorage:clientId"])
            ?? throw new InvalidOperationException("AzureWebJobsStorage__accountName needs a managed identity (IDENTITY_ENDPOINT is not set).");
        return new StorageClient(StorageAccount.ForTokenCredential(account), new StorageClientOptions
        {
            MessageEncoding = encoding,
            TimeProvider = time,
            Credential = new TokenCredential(identity.GetTokenAsync, time),
        });
    }
}
