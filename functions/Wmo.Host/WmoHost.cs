using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Wmo.Functions;
using Wmo.Functions.Runtime;

namespace Wmo.Host;

/// <summary>
/// The local host of the Functions app: configuration as Azure Functions reads it (local.settings.json, environment),
/// the app's services (<see cref="Wmo.Functions.Program.AddWmoApp"/>), and every [Function] of the app on the trigger runtime (queue,
/// timer) and on ASP.NET Core (HTTP), invoked as the Functions host would.
/// </summary>
public static class WmoHost
{
    /// <summary>Default port of a local Functions host (Core Tools uses 7071 too).</summary>
    public const int DefaultPort = 7071;

    public static WebApplication Build(string[] args)
    {
        // Like a Functions app, everything is read from the folder the binaries are in (or WMO_SCRIPT_ROOT).
        var root = Environment.GetEnvironmentVariable("WMO_SCRIPT_ROOT") is { Length: > 0 } r ? Path.GetFullPath(r) : AppContext.BaseDirectory;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = root });

        // local.settings.json Values first; environment and command line after it so they win (as in Core Tools).
        builder.Configuration.Sources.Clear();
        builder.Configuration
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                // Defaults any setting can override (e.g. Logging__LogLevel__Microsoft.AspNetCore=Information).
                ["Logging:LogLevel:Default"] = "Information",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
                // The Azure SDK logs every storage request at Information (Microsoft.Extensions.Azure forwards its events).
                ["Logging:LogLevel:Azure"] = "Warning",
                // Scopes on the console: the BerichtId a message is followed by (as in Application Insights).
                ["Logging:Console:FormatterOptions:IncludeScopes"] = "true",
                ["FileDropSchedule"] = "*/5 * * * * *",
                ["RetentionSchedule"] = "0 30 2 * * *",
                ["CakRelaySchedule"] = "*/5 * * * * *",
                ["ScanSchedule"] = "0 0 6 * * *",
                ["NotifySchedule"] = "*/30 * * * * *",
                ["DigestSchedule"] = "0 0 7 * * *",
                ["BacklogSchedule"] = "0 */10 * * * *",
            })
            .AddFunctionsLocalSettings(Path.Combine(root, "local.settings.json"))
            .AddEnvironmentVariables()
            .AddCommandLine(args);

        ConfigureKestrel(builder);
        builder.Services.AddProblemDetails();
        var runtime = RuntimeOptions.From(builder.Configuration);
        var demoClock = DemoClock.From(builder.Configuration);
        if (demoClock is not null)
        {
            builder.Services.AddSingleton<TimeProvider>(demoClock); // before the runtime's TryAdd of the system clock
        }

        builder.Host.ConfigureHostOptions(o => o.ShutdownTimeout = runtime.ShutdownGrace + TimeSpan.FromSeconds(10));

        var hostJson = Path.Combine(root, "host.json");
        var catalog = builder.Services.AddFunctionsRuntime(builder.Configuration, hostJson)
            .AddFunctions(typeof(Wmo.Functions.Program).Assembly)
            .Catalog;
        builder.Services.AddWmoApp(builder.Configuration, hostJson);

        var app = builder.Build();
        app.Use(ServerTiming);
        app.Use((context, next) =>
        {
            WebSecurity.Apply(context.Response); // the local-only pages too (the hub's own set them in HubRoutes)
            return next(context);
        });
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        MapHttpFunctions(app, catalog);
        app.MapRuntimeEndpoint();
        app.MapLocalAdminEndpoints(demoClock);
        app.MapStatusPage();
        return app;
    }

    /// <summary>
    /// Each HTTP-trigger function on its route and methods (host.json sets no route prefix), invoked per request with the
    /// <see cref="HttpRequest"/> as the ASP.NET Core integration binds it; its <see cref="IActionResult"/> is executed.
    /// </summary>
    private static void MapHttpFunctions(WebApplication app, FunctionCatalog catalog)
    {
        foreach (var function in catalog.HttpFunctions)
        {
            app.MapMethods("/" + function.Route, function.Methods, async context =>
            {
                var result = await FunctionInvoker.InvokeAsync(function, context.RequestServices, context.Request, context.RequestAborted);
                if (result is IActionResult action)
                {
                    await action.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor()));
                }
            }).WithName(function.Name);
        }
    }

    /// <summary>
    /// Server-Timing on every response: the time the host spent until it started the response (storage calls
    /// included), which the dashboard benchmark reads and browsers' developer tools show.
    /// </summary>
    private static Task ServerTiming(HttpContext context, RequestDelegate next)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        context.Response.OnStarting(() =>
        {
            var ms = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            context.Response.Headers["Server-Timing"] = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"app;dur={ms:F1}");
            return Task.CompletedTask;
        });
        return next(context);
    }

    private static void ConfigureKestrel(WebApplicationBuilder builder)
    {
        // An explicit --urls / ASPNETCORE_URLS wins; otherwise loopback on Host:LocalHttpPort (local.settings.json).
        if (!string.IsNullOrEmpty(builder.Configuration["urls"]) || !string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            return;
        }

        var port = int.TryParse(builder.Configuration["Host:LocalHttpPort"], out var p) ? p : DefaultPort;
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = 26 * 1024 * 1024; // iWmo files up to 25 MB (OP179) plus envelope
            // Plain HTTP on loopback: HTTP/2 would need TLS, so HTTP/1.1 only (no start-up warning).
            k.ListenLocalhost(port, o => o.Protocols = HttpProtocols.Http1);
        });
    }
}
