using Microsoft.AspNetCore.Routing.Template;

namespace Wmo.Host;

/// <summary>
/// The hub's HTTP endpoints, mapped in one place for both hosts: the local host maps them on its WebApplication, and
/// the Azure Functions adapter's HTTP triggers invoke the very same request delegates through <see cref="InvokeAsync"/>.
/// (The status page and <c>/api/functions</c> describe the local trigger runtime and stay local.)
/// </summary>
public sealed class HubRoutes
{
    private readonly Dictionary<string, (TemplateMatcher Matcher, RequestDelegate Handler)> _routes;

    public HubRoutes(IServiceProvider services)
    {
        var builder = new DetachedRouteBuilder(services);
        Map(builder);
        _routes = builder.DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .SelectMany(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods.Select(m => (Key: Key(m, e.RoutePattern.RawText!), Endpoint: e)))
            .ToDictionary(r => r.Key, r => (new TemplateMatcher(new RouteTemplate(r.Endpoint.RoutePattern), []), r.Endpoint.RequestDelegate!), StringComparer.Ordinal);
    }

    /// <summary>Every endpoint as "METHOD /route", e.g. "POST /api/berichten".</summary>
    public IReadOnlyCollection<string> Keys => _routes.Keys;

    internal static void Map(IEndpointRouteBuilder app)
    {
        app.MapHealthEndpoint();
        app.MapIntakeEndpoints();
        app.MapMailboxEndpoints();
        app.MapPersonEndpoints();
        app.MapAlertEndpoints();
        app.MapLeadTimeEndpoints();
        app.MapDashboard();
    }

    public static string Key(string method, string route) => $"{method.ToUpperInvariant()} {route}";

    /// <summary>
    /// Runs the endpoint that matches the request's method and path, with its route values, as the local host's router
    /// would; a request no endpoint matches gets 404.
    /// </summary>
    public Task InvokeAsync(HttpContext context)
    {
        var method = context.Request.Method.ToUpperInvariant();
        foreach (var (key, (matcher, handler)) in _routes)
        {
            var values = new RouteValueDictionary();
            if (key.StartsWith(method + " ", StringComparison.Ordinal) && matcher.TryMatch(context.Request.Path, values))
            {
                context.Request.RouteValues = values;
                return handler(context);
            }
        }

        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    private sealed class DetachedRouteBuilder(IServiceProvider services) : IEndpointRouteBuilder
    {
        public IServiceProvider ServiceProvider => services;

        public ICollection<EndpointDataSource> DataSources { get; } = [];

        public IApplicationBuilder CreateApplicationBuilder() => new ApplicationBuilder(services);
    }
}
