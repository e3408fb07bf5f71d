using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Wmo.Functions.Runtime;
using Wmo.Host;
using Wmo.Testing;

namespace Wmo.Functions.Tests;

/// <summary>
/// The Functions app as the Worker SDK built it: the generated functions.metadata lists exactly the functions below,
/// the local runtime discovers the same ones from the attributes, every %Setting% they use exists locally and in Azure,
/// and the worker's composition creates every function class.
/// </summary>
public sealed class FunctionsAppTests
{
    /// <summary>Every function of the app: name, trigger, and its queue, schedule or "METHODS route".</summary>
    private static readonly (string Name, string Trigger, string Binding)[] Expected =
    [
        ("Health", "httpTrigger", "GET api/health"),
        ("PostBericht", "httpTrigger", "POST api/berichten"),
        ("BerichtHistory", "httpTrigger", "GET api/berichten/{id}"),
        ("MailboxList", "httpTrigger", "GET api/mailbox"),
        ("MailboxDownload", "httpTrigger", "GET api/mailbox/{id}"),
        ("MailboxAcknowledge", "httpTrigger", "POST api/mailbox/{id}/ack"),
        ("PoisonList", "httpTrigger", "GET api/admin/poison"),
        ("StorageOperations", "httpTrigger", "GET api/admin/storage-operations"),
        ("PoisonReplay", "httpTrigger", "POST api/admin/poison/{id}/replay"),
        ("PersonSearch", "httpTrigger", "POST api/personen/zoek"),
        ("PersonCak", "httpTrigger", "GET api/personen/{id}/cak"),
        ("PersonCakResend", "httpTrigger", "POST api/personen/{id}/cak/opnieuw"),
        ("AlertList", "httpTrigger", "GET api/alerts"),
        ("AlertAcknowledge", "httpTrigger", "POST api/alerts/{id}/ack"),
        ("AlertLetter", "httpTrigger", "GET api/alerts/{id}/brief"),
        ("Scan", "httpTrigger", "POST api/admin/scan"),
        ("LeadTimeList", "httpTrigger", "GET api/levertijden"),
        ("DashboardLoginPage", "httpTrigger", "GET dashboard/inloggen"),
        ("DashboardLogin", "httpTrigger", "POST dashboard/inloggen"),
        ("DashboardLogout", "httpTrigger", "POST dashboard/uitloggen"),
        ("DashboardBacklog", "httpTrigger", "GET dashboard"),
        ("DashboardAlerts", "httpTrigger", "GET dashboard/signalen"),
        ("DashboardAlertsCsv", "httpTrigger", "GET dashboard/signalen.csv"),
        ("DashboardAcknowledge", "httpTrigger", "POST dashboard/signalen/{id}/afhandelen"),
        ("DashboardLeadTimes", "httpTrigger", "GET dashboard/levertijden"),
        ("DashboardLeadTimeReport", "httpTrigger", "GET dashboard/levertijden/rapport"),
        ("DashboardLeadTimeCsv", "httpTrigger", "GET dashboard/levertijden/rapport.csv"),
        ("DashboardTimeline", "httpTrigger", "GET dashboard/traject/{id}"),
        ("DashboardMessages", "httpTrigger", "GET dashboard/berichten"),
        ("DashboardPoison", "httpTrigger", "GET dashboard/berichten/poison"),
        ("DashboardReplay", "httpTrigger", "POST dashboard/berichten/poison/{id}/opnieuw"),
        ("DashboardMessage", "httpTrigger", "GET dashboard/berichten/{id}"),
        ("RouteBericht", "queueTrigger", "berichten-in"),
        ("PoisonBericht", "queueTrigger", "berichten-in-poison"),
        ("FileDrop", "timerTrigger", "%FileDropSchedule%"),
        ("Retention", "timerTrigger", "%RetentionSchedule%"),
        ("CakRelay", "timerTrigger", "%CakRelaySchedule%"),
        ("DetectionScan", "timerTrigger", "%ScanSchedule%"),
        ("BacklogRefresh", "timerTrigger", "%BacklogSchedule%"),
        ("Notifications", "timerTrigger", "%NotifySchedule%"),
        ("NotificationDigest", "timerTrigger", "%DigestSchedule%"),
    ];

    /// <summary>The functions.metadata the Worker SDK wrote into the Functions project's own build output.</summary>
    private static JsonElement[] Metadata()
    {
        // bin/<Configuration>/net10.0 of this test project: read the same configuration of the app.
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var path = Path.Combine(RepoPaths.Root, "functions", "Wmo.Functions", "bin", configuration, "net10.0", "functions.metadata");
        Assert.True(File.Exists(path), $"The Worker SDK did not write {path}.");
        return [.. JsonDocument.Parse(File.ReadAllText(path)).RootElement.EnumerateArray()];
    }

    private static (string Name, string Trigger, string Binding) Describe(JsonElement function)
    {
        var trigger = function.GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));
        var type = trigger.GetProperty("type").GetString()!;
        var binding = type switch
        {
            "httpTrigger" => $"{string.Join(",", trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!.ToUpperInvariant()))} {trigger.GetProperty("route").GetString()}",
            "queueTrigger" => trigger.GetProperty("queueName").GetString()!,
            "timerTrigger" => trigger.GetProperty("schedule").GetString()!,
            _ => throw new InvalidOperationException($"Unexpected trigger {type}."),
        };
        return (function.GetProperty("name").GetString()!, type, binding);
    }

    [Fact]
    public void The_generated_metadata_lists_exactly_the_apps_functions_with_their_triggers()
    {
        var actual = Metadata().Select(Describe).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();

        Assert.Equal(Expected.OrderBy(f => f.Name, StringComparer.Ordinal), actual);
    }

    [Fact]
    public void Every_function_runs_from_the_app_assembly_on_the_dotnet_isolated_worker_and_queues_use_AzureWebJobsStorage()
    {
        foreach (var function in Metadata())
        {
            Assert.Equal("Wmo.Functions.dll", function.GetProperty("scriptFile").GetString());
            Assert.Equal("dotnet-isolated", function.GetProperty("language").GetString());
            var entryPoint = function.GetProperty("entryPoint").GetString()!;
            var type = typeof(Program).Assembly.GetType(entryPoint[..entryPoint.LastIndexOf('.')]);
            Assert.True(type is not null, $"{entryPoint} is not a class of the app");
            var trigger = function.GetProperty("bindings")[0];
            if (trigger.GetProperty("type").GetString() == "queueTrigger")
            {
                Assert.Equal("AzureWebJobsStorage", trigger.GetProperty("connection").GetString());
            }
            else if (trigger.GetProperty("type").GetString() == "httpTrigger")
            {
                // The hub authenticates itself (X-Api-Key, dashboard session); a function key would lock parties out.
                Assert.Equal("Anonymous", trigger.GetProperty("authLevel").GetString());
            }
        }
    }

    [Fact]
    public void The_local_runtime_discovers_the_same_functions_from_the_attributes()
    {
        var discovered = FunctionDiscovery.InAssembly(typeof(Program).Assembly).Select(f => f switch
        {
            HttpFunctionDefinition h => (h.Name, "httpTrigger", $"{string.Join(",", h.Methods)} {h.Route}"),
            QueueFunctionDefinition q => (q.Name, "queueTrigger", q.QueueExpression),
            TimerFunctionDefinition t => (t.Name, "timerTrigger", t.ScheduleExpression),
            _ => throw new InvalidOperationException(),
        }).OrderBy(f => f.Name, StringComparer.Ordinal);

        Assert.Equal(Metadata().Select(Describe).OrderBy(f => f.Name, StringComparer.Ordinal), discovered);
    }

    [Fact]
    public async Task Every_setting_a_binding_refers_to_is_in_the_local_settings_sample_and_in_the_Bicep_app_settings()
    {
        var referenced = Metadata().Select(Describe).SelectMany(f => BindingExpression.Settings(f.Binding)).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(7, referenced.Count);

        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "local.settings.sample.json")));
        var local = sample.RootElement.GetProperty("Values").EnumerateObject().Where(p => p.Value.GetString() is { Length: > 0 }).Select(p => p.Name).ToHashSet();
        var azure = InfraTests.AppSettings(await BicepCli.CompiledTemplateAsync());

        Assert.All(referenced, setting =>
        {
            Assert.True(local.Contains(setting), $"{setting} has no value in local.settings.sample.json");
            Assert.True(azure.Contains(setting), $"{setting} is not an app setting in infra/main.bicep");
        });
    }

    [Fact]
    public async Task The_worker_composition_builds_with_validation_and_creates_every_function_class()
    {
        using var host = Program.Build(["--AzureWebJobsStorage", "UseDevelopmentStorage=true"]);

        await using var scope = host.Services.CreateAsyncScope();
        foreach (var function in FunctionDiscovery.InAssembly(typeof(Program).Assembly))
        {
            // As the worker's DefaultFunctionActivator does for each invocation.
            Assert.NotNull(ActivatorUtilities.CreateInstance(scope.ServiceProvider, function.Class));
        }
    }

    [Fact]
    public void Each_endpoint_of_the_hub_is_served_by_exactly_one_HTTP_function_with_its_route_and_method()
    {
        using var host = Program.Build(["--AzureWebJobsStorage", "UseDevelopmentStorage=true"]);
        var endpoints = host.Services.GetRequiredService<HubRoutes>().Keys.Order(StringComparer.Ordinal);

        var functions = FunctionDiscovery.InAssembly(typeof(Program).Assembly).OfType<HttpFunctionDefinition>()
            .SelectMany(f => f.Methods.Select(m => HubRoutes.Key(m, "/" + f.Route)));

        Assert.Equal(endpoints, functions.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("GET", "/api/no-such-endpoint")]
    [InlineData("DELETE", "/api/berichten")]
    public async Task A_request_no_endpoint_takes_gets_404_as_problem_json_with_the_security_headers(string method, string path)
    {
        using var host = Program.Build(["--AzureWebJobsStorage", "UseDevelopmentStorage=true"]);
        await using var scope = host.Services.CreateAsyncScope();
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Method = method;
        context.Request.Path = path;
        context.Response.Body = new MemoryStream();

        await host.Services.GetRequiredService<HubRoutes>().InvokeAsync(context);

        Assert.Equal(404, context.Response.StatusCode);
        Assert.StartsWith("application/problem+json", context.Response.ContentType);
        Assert.Equal("nosniff", context.Response.Headers.XContentTypeOptions);
        Assert.Equal(WebSecurity.ContentSecurityPolicy, context.Response.Headers.ContentSecurityPolicy);
        context.Response.Body.Position = 0;
        using var problem = await JsonDocument.ParseAsync(context.Response.Body);
        Assert.Contains($"{method} {path}", problem.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task The_local_host_runs_every_function_of_the_app_and_maps_each_HTTP_function()
    {
        await using var local = WmoHost.Build(["--AzureWebJobsStorage", "UseDevelopmentStorage=true", "--WMO_SCRIPT_ROOT", RepoPaths.Root]);

        var catalog = local.Services.GetRequiredService<FunctionCatalog>();
        Assert.Equal(Expected.Select(e => e.Name).Order(StringComparer.Ordinal), catalog.Functions.Select(f => f.Name).Order(StringComparer.Ordinal));
        var mapped = ((Microsoft.AspNetCore.Routing.IEndpointRouteBuilder)local).DataSources.SelectMany(d => d.Endpoints)
            .Select(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IEndpointNameMetadata>()?.EndpointName).OfType<string>();
        Assert.Equal(catalog.HttpFunctions.Select(f => f.Name).Order(StringComparer.Ordinal), mapped.Order(StringComparer.Ordinal));
    }
}
