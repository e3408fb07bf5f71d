using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Wmo.AzureStorage;

namespace Wmo.Functions.Runtime;

/// <summary>Hosts every registered queue and timer function for the lifetime of the host.</summary>
public sealed class FunctionsRuntime : IHostedService
{
    private readonly FunctionCatalog _catalog;
    private readonly StorageClients _storage;
    private readonly HostJson _hostJson;
    private readonly RuntimeOptions _options;
    private readonly IConfiguration _configuration;
    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _running = [];

    public FunctionsRuntime(
        FunctionCatalog catalog, StorageClients storage, HostJson hostJson, RuntimeOptions options, IConfiguration configuration,
        IServiceScopeFactory scopes, TimeProvider time, ILoggerFactory loggers)
    {
        _catalog = catalog;
        _storage = storage;
        _hostJson = hostJson;
        _options = options;
        _configuration = configuration;
        _scopes = scopes;
        _time = time;
        _loggers = loggers;
    }

    /// <summary>Queue names as resolved at start (function name → queue), for status pages and tests.</summary>
    public IReadOnlyDictionary<string, string> QueueNames { get; private set; } = new Dictionary<string, string>();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Resolve every binding expression first: a missing setting or a bad schedule stops the host at start,
        // not hours later when the first timer would fire.
        var queues = _catalog.QueueFunctions
            .Select(f => new QueueListener(f, BindingExpression.Resolve(f.QueueExpression, _configuration), _storage, _hostJson, _options,
                _scopes, _time, _loggers.CreateLogger($"Function.{f.Name}")))
            .ToList();
        var timers = _catalog.TimerFunctions
            .Select(f => new TimerListener(f, TimerSchedule.Parse(BindingExpression.Resolve(f.ScheduleExpression, _configuration), _options.ScheduleTimeZone),
                _storage, _hostJson, _options, _scopes, _time, _loggers.CreateLogger($"Function.{f.Name}")))
            .ToList();
        QueueNames = _catalog.QueueFunctions.Zip(queues).ToDictionary(p => p.First.Name, p => p.Second.QueueName);
        _running.AddRange(queues.Select(q => Task.Run(() => q.RunAsync(_stopping.Token), CancellationToken.None)));
        _running.AddRange(timers.Select(t => Task.Run(() => t.RunAsync(_stopping.Token), CancellationToken.None)));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_running).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}

/// <summary>Registers a Functions app's classes with the runtime: their queue and timer triggers run here.</summary>
public sealed class FunctionsRuntimeBuilder
{
    internal FunctionsRuntimeBuilder(IServiceCollection services, FunctionCatalog catalog)
    {
        Services = services;
        Catalog = catalog;
    }

    public IServiceCollection Services { get; }

    public FunctionCatalog Catalog { get; }

    /// <summary>Every <c>[Function]</c> method in the assembly (a Functions app), as the Worker SDK indexes it.</summary>
    public FunctionsRuntimeBuilder AddFunctions(System.Reflection.Assembly assembly)
    {
        foreach (var function in FunctionDiscovery.InAssembly(assembly))
        {
            Catalog.Add(function);
        }

        return this;
    }

    /// <summary>The <c>[Function]</c> methods of one class.</summary>
    public FunctionsRuntimeBuilder AddFunction<TClass>() where TClass : class
    {
        foreach (var function in FunctionDiscovery.InClass(typeof(TClass)))
        {
            Catalog.Add(function);
        }

        return this;
    }
}

public static class FunctionsRuntimeServiceCollectionExtensions
{
    /// <summary>
    /// Adds the trigger runtime: host.json from <paramref name="hostJsonPath"/>, storage from <c>AzureWebJobsStorage</c>
    /// as Azure Functions reads it (connection string or identity-based, with host.json's message encoding), and the
    /// <see cref="StorageClients"/> singleton the application shares.
    /// </summary>
    public static FunctionsRuntimeBuilder AddFunctionsRuntime(this IServiceCollection services, IConfiguration configuration, string hostJsonPath)
    {
        var hostJson = HostJson.Load(hostJsonPath, configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(hostJson);
        services.AddSingleton(RuntimeOptions.From(configuration));
        services.AddStorage(configuration, options =>
        {
            if (options is QueueClientOptions queues)
            {
                queues.MessageEncoding = hostJson.Queues.MessageEncoding;
            }
        });
        var catalog = new FunctionCatalog();
        services.AddSingleton(catalog);
        services.AddSingleton<FunctionsRuntime>();
        services.AddHostedService(sp => sp.GetRequiredService<FunctionsRuntime>());
        return new FunctionsRuntimeBuilder(services, catalog);
    }
}
