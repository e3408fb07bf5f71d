using System.Globalization;
using Wmo.Functions.Runtime;
using Wmo.Functions;
using Wmo.Hub;

namespace Wmo.Host;

/// <summary>
/// Local-host administration, not part of the Azure app: run a timer function now (as Azure's
/// <c>POST /admin/functions/{name}</c> does with the master key; here with an admin API key), and the demo clock.
/// </summary>
internal static class LocalAdminEndpoints
{
    public static void MapLocalAdminEndpoints(this IEndpointRouteBuilder app, DemoClock? clock)
    {
        app.MapPost("/admin/functions/{name}", async (HttpContext http, ApiKeys keys, FunctionCatalog catalog, IServiceProvider services, TimeProvider time, string name, CancellationToken ct) =>
        {
            if (await AdminAsync(http, keys, ct) is { } denied)
            {
                return denied;
            }

            if (catalog.TimerFunctions.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase)) is not { } function)
            {
                return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown timer function", detail: $"No timer function is named '{name}'.");
            }

            await using var scope = services.CreateAsyncScope();
            var now = time.GetUtcNow();
            await FunctionInvoker.InvokeAsync(function, scope.ServiceProvider,
                new Microsoft.Azure.Functions.Worker.TimerInfo { ScheduleStatus = new() { Next = now.UtcDateTime, LastUpdated = now.UtcDateTime } }, ct);
            return Results.Json(new { function = function.Name, ranAt = now }, statusCode: StatusCodes.Status202Accepted);
        });

        if (clock is null)
        {
            return;
        }

        app.MapGet("/api/admin/demo/klok", () => Results.Json(new { now = clock.GetUtcNow() }));
        app.MapPost("/api/admin/demo/klok", async (HttpContext http, ApiKeys keys, string? naar, CancellationToken ct) =>
        {
            if (await AdminAsync(http, keys, ct) is { } denied)
            {
                return denied;
            }

            if (!DateTimeOffset.TryParse(naar, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var to))
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid moment", detail: "Send naar=<ISO 8601 moment>, e.g. 2026-07-01T09:00:00+02:00.");
            }

            return clock.MoveTo(to)
                ? Results.Json(new { now = clock.GetUtcNow() })
                : Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "The demo clock only moves forward", detail: $"It is {clock.GetUtcNow():o} already.");
        });
    }

    private static async Task<IResult?> AdminAsync(HttpContext http, ApiKeys keys, CancellationToken ct) =>
        await MailboxEndpoints.AuthenticateAsync(http, keys, ct) switch
        {
            null => Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthenticated", detail: "Send an admin API key in the X-Api-Key header."),
            { Role: not Role.Admin } => Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not allowed", detail: "Only an admin may do this."),
            _ => null,
        };
}
