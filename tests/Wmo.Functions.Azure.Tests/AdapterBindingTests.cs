using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Wmo.Functions.Runtime;
using Wmo.Host;
using Wmo.Testing;

namespace Wmo.Functions.Azure.Tests;

/// <summary>
/// The Azure Functions adapter, compiled against the Worker API surface (tests/Wmo.Functions.Azure.Check), binds
/// exactly what the local host runs: every queue, timer and HTTP handler of the local host has one Azure function with
/// the same queue name, schedule setting or route, and no Azure function binds anything the local host does not run.
/// </summary>
public sealed class AdapterBindingTests : IAsyncLifetime
{
    // The local host's status page and function list describe its own trigger runtime, and it runs a timer function on
    // request; in Azure the portal and the host's own admin API do.
    private static readonly string[] LocalOnly = ["GET /", "GET /api/functions", "POST /admin/functions/{name}"];

    private static readonly Assembly Adapter = typeof(Wmo.Functions.Azure.Program).Assembly;
    private WebApplication _local = null!;

    public Task InitializeAsync()
    {
        // Building (not starting) the host needs no storage; the connection string is only parsed.
        _local = WmoHost.Build(["--AzureWebJobsStorage", "UseDevelopmentStorage=true", "--WMO_SCRIPT_ROOT", RepoPaths.Root]);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _local.DisposeAsync();

    private static IEnumerable<(Type Class, MethodInfo Method, string Name)> Functions() =>
        from type in Adapter.GetTypes()
        from method in type.GetMethods()
        let attribute = method.GetCustomAttribute<FunctionAttribute>()
        where attribute is not null
        select (type, method, attribute.Name);

    private static T? Trigger<T>(MethodInfo method) where T : Attribute =>
        method.GetParameters().Select(p => p.GetCustomAttribute<T>()).SingleOrDefault(a => a is not null);

    private FunctionCatalog Catalog => _local.Services.GetRequiredService<FunctionCatalog>();

    private List<string> LocalRoutes() =>
        [.. ((IEndpointRouteBuilder)_local).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .SelectMany(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods.Select(m => HubRoutes.Key(m, e.RoutePattern.RawText!)))
            .Except(LocalOnly).Order(StringComparer.Ordinal)];

    [Fact]
    public void Every_queue_function_of_the_local_host_has_one_Azure_function_on_the_same_queue_calling_the_same_handler_and_vice_versa()
    {
        var azure = Functions().Where(f => Trigger<QueueTriggerAttribute>(f.Method) is not null)
            .Select(f => (f.Name, Trigger<QueueTriggerAttribute>(f.Method)!.QueueName, Handler: f.Class.GetConstructors().Single().GetParameters().Single().ParameterType))
            .OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        var local = Catalog.QueueFunctions.Select(q => (q.Name, q.QueueExpression, Handler: q.HandlerType)).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();

        Assert.Equal(local, azure);
        Assert.NotEmpty(local);
        Assert.All(Functions().Where(f => Trigger<QueueTriggerAttribute>(f.Method) is not null),
            f => Assert.Equal("AzureWebJobsStorage", Trigger<QueueTriggerAttribute>(f.Method)!.Connection));
    }

    [Fact]
    public void Every_timer_of_the_local_host_has_one_Azure_function_with_the_same_schedule_setting_calling_the_same_handler_and_vice_versa()
    {
        var azure = Functions().Where(f => Trigger<TimerTriggerAttribute>(f.Method) is not null)
            .Select(f => (f.Name, Trigger<TimerTriggerAttribute>(f.Method)!.Schedule, Trigger<TimerTriggerAttribute>(f.Method)!.RunOnStartup,
                Handler: f.Class.GetConstructors().Single().GetParameters().Single().ParameterType))
            .OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        var local = Catalog.TimerFunctions.Select(t => (t.Name, t.ScheduleExpression, t.RunOnStartup, Handler: t.HandlerType))
            .OrderBy(f => f.Name, StringComparer.Ordinal).ToList();

        Assert.Equal(local, azure);
        Assert.All(azure, t => Assert.Matches("^%[A-Za-z]+%$", t.Schedule)); // schedules are settings, as locally
    }

    [Fact]
    public void Every_HTTP_endpoint_of_the_local_host_has_one_Azure_function_with_the_same_method_and_route_and_vice_versa()
    {
        var azure = Functions().Select(f => Trigger<HttpTriggerAttribute>(f.Method)).Where(t => t is not null)
            .SelectMany(t => t!.Methods!.Select(m => HubRoutes.Key(m, "/" + t.Route)))
            .Order(StringComparer.Ordinal).ToList();

        Assert.Equal(LocalRoutes(), azure);
        Assert.Equal(azure.Count, azure.Distinct().Count());
        Assert.All(Functions().Select(f => Trigger<HttpTriggerAttribute>(f.Method)).Where(t => t is not null),
            t => Assert.Equal(AuthorizationLevel.Anonymous, t!.AuthLevel)); // the hub authenticates with X-Api-Key itself
    }

    [Fact]
    public void The_route_table_the_HTTP_functions_run_is_the_local_hosts_own()
    {
        var routes = new HubRoutes(_local.Services);

        Assert.Equal(LocalRoutes(), routes.Keys.Order(StringComparer.Ordinal).ToList());
    }

    [Fact]
    public async Task An_HTTP_function_runs_the_local_endpoint_with_its_route_values()
    {
        var routes = new HubRoutes(_local.Services);
        using var scope = _local.Services.CreateScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Method = "POST";
        context.Request.Path = "/api/alerts/abc123/ack";
        context.Response.Body = new MemoryStream();

        await routes.InvokeAsync(context);

        Assert.Equal(StatusCodes.Status401Unauthorized, context.Response.StatusCode); // the endpoint ran: no key
        Assert.Equal("abc123", context.Request.RouteValues["id"]);
        var unknown = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        unknown.Request.Method = "DELETE";
        unknown.Request.Path = "/api/alerts";
        await routes.InvokeAsync(unknown);
        Assert.Equal(StatusCodes.Status404NotFound, unknown.Response.StatusCode);
    }

    [Fact]
    public void The_Azure_composition_provides_every_function_class_with_what_it_needs()
    {
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
        }).Build();
        // What the Functions host itself registers (configuration, logging); the rest is the adapter's composition.
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(settings);
        Wmo.Functions.Azure.Program.Compose(services, settings, Path.Combine(RepoPaths.Root, "host.json"));
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        using var scope = provider.CreateScope();

        var classes = Functions().Select(f => f.Class).Distinct().ToList();
        Assert.All(classes, c => Assert.NotNull(ActivatorUtilities.CreateInstance(scope.ServiceProvider, c)));
        Assert.Equal(Catalog.Functions.Count + LocalRoutes().Count, Functions().Count());
    }
}
