using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing.Template;
using Wmo.AzureStorage;

namespace Wmo.Functions;

/// <summary>
/// The hub's HTTP endpoints (minimal-API request delegates), mapped in one place. Each HTTP-trigger function runs its
/// endpoint through <see cref="InvokeAsync(HttpRequest)"/>, in Azure and in the local runtime alike.
/// </summary>
public sealed class HubRoutes
{
    private readonly List<(string Key, TemplateMatcher Matcher, RequestDelegate Handler)> _routes;

    public HubRoutes(IServiceProvider services)
    {
        var builder = new DetachedRouteBuilder(services);
        Map(builder);
        _routes = builder.DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .SelectMany(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods.Select(m => (Key: Key(m, e.RoutePattern.RawText!), Endpoint: e)))
            // Most specific first, as ASP.NET Core's router ranks them: /dashboard/berichten/poison before /dashboard/berichten/{id}.
            .OrderBy(r => r.Endpoint.RoutePattern.InboundPrecedence)
            .Select(r => (r.Key, new TemplateMatcher(new RouteTemplate(r.Endpoint.RoutePattern), []), r.Endpoint.RequestDelegate!))
            .ToList();
    }

    /// <summary>Every endpoint as "METHOD /route", e.g. "POST /api/berichten".</summary>
    public IReadOnlyCollection<string> Keys => [.. _routes.Select(r => r.Key)];

    internal static void Map(IEndpointRouteBuilder app)
    {
        app.MapHealthEndpoint();
        app.MapStorageMeterEndpoint();
        app.MapIntakeEndpoints();
        app.MapMailboxEndpoints();
        app.MapPersonEndpoints();
        app.MapAlertEndpoints();
        app.MapLeadTimeEndpoints();
        app.MapDashboard();
    }

    public static string Key(string method, string route) => $"{method.ToUpperInvariant()} {route}";

    /// <summary>Runs the request's endpoint, which writes the response itself (so the function returns an empty result).</summary>
    public async Task<IActionResult> InvokeAsync(HttpRequest request)
    {
        await InvokeAsync(request.HttpContext);
        return new EmptyResult();
    }

    /// <summary>
    /// Runs the endpoint that matches the request's method and path, with its route values, as the local host's router
    /// would; a request no endpoint matches gets 404 as problem+json.
    /// </summary>
    public Task InvokeAsync(HttpContext context)
    {
        var method = context.Request.Method.ToUpperInvariant();
        foreach (var (key, matcher, handler) in _routes)
        {
            var values = new RouteValueDictionary();
            if (key.StartsWith(method + " ", StringComparison.Ordinal) && matcher.TryMatch(context.Request.Path, values))
            {
                context.Request.RouteValues = values;
                return RunAsync(handler, context);
            }
        }

        // Reached when the Functions host matched a function's route template but no endpoint takes the request (a
        // method or path the template admits and the endpoint does not): the same headers and kind of answer as any.
        WebSecurity.Apply(context.Response);
        return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found",
            detail: $"No endpoint of the hub serves {method} {context.Request.Path}.").ExecuteAsync(context);
    }

    /// <summary>
    /// Runs an endpoint. When storage does not answer, the caller gets 503 with Retry-After and the service that is
    /// unreachable (as /api/health reports it), in Azure and locally alike, instead of a bare 500: nothing was
    /// changed that a retry would not complete (every write is idempotent).
    /// </summary>
    private static async Task RunAsync(RequestDelegate handler, HttpContext context)
    {
        WebSecurity.Apply(context.Response);
        try
        {
            await handler(context);
        }
        catch (InvalidContinuationException ex) when (!context.Response.HasStarted)
        {
            await Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid continuation token", detail: ex.Message).ExecuteAsync(context);
        }
        catch (Exception ex) when (StorageClients.IsOutage(ex) && !context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            var storage = context.RequestServices.GetRequiredService<StorageClients>();
            var service = storage.ServiceOf(ex);
            context.RequestServices.GetRequiredService<ILogger<HubRoutes>>().LogWarning(ex, "Storage ({Service}) did not answer {Method} {Path}", service ?? "unknown", context.Request.Method, context.Request.Path);
            context.Response.Clear();
            WebSecurity.Apply(context.Response);
            context.Response.Headers.RetryAfter = "10";
            await Results.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "Storage unavailable",
                detail: $"The hub's storage ({service ?? "blob, queue or table"} service) does not answer; nothing was lost. Retry in a moment; /api/health shows each service.",
                extensions: new Dictionary<string, object?> { ["storage"] = service }).ExecuteAsync(context);
        }
    }

    private sealed class DetachedRouteBuilder(IServiceProvider services) : IEndpointRouteBuilder
    {
        public IServiceProvider ServiceProvider => services;

        public ICollection<EndpointDataSource> DataSources { get; } = [];

        public IApplicationBuilder CreateApplicationBuilder() => new ApplicationBuilder(services);
    }
}
