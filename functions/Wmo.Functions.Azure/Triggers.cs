using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Wmo.Functions.Runtime;
using Wmo.Host;

namespace Wmo.Functions.Azure;

/// <summary>The handlers the local host's trigger runtime runs, registered the same way here.</summary>
internal static class Handlers
{
    public static readonly Type[] Types =
    [
        typeof(RouteBerichtFunction), typeof(PoisonBerichtFunction), typeof(FileDropFunction), typeof(RetentionFunction),
        typeof(CakRelayFunction), typeof(DetectionScanFunction), typeof(NotificationsFunction), typeof(NotificationDigestFunction),
        typeof(BacklogRefreshFunction),
    ];

    /// <summary>The facts Azure binds for a queue message, as the handler expects them.</summary>
    public static QueueTriggerMessage Queue(string queue, string body, FunctionContext context)
    {
        var data = context.BindingContext.BindingData;
        return new QueueTriggerMessage(queue, data.TryGetValue("Id", out var id) ? id?.ToString() ?? string.Empty : string.Empty, body,
            data.TryGetValue("DequeueCount", out var count) && long.TryParse(count?.ToString(), out var n) ? n : 1,
            data.TryGetValue("InsertionTime", out var inserted) && DateTimeOffset.TryParse(inserted?.ToString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var at) ? at : DateTimeOffset.UtcNow);
    }

    public static TimerTriggerInfo Timer(TimerInfo timer) => new(
        DateTimeOffset.UtcNow, timer.IsPastDue, timer.ScheduleStatus?.Last, timer.ScheduleStatus?.Next ?? DateTimeOffset.UtcNow);

    /// <summary>An HTTP trigger runs the local host's endpoint for the request; the endpoint writes the response.</summary>
    public static async Task<IActionResult> Http(HubRoutes routes, HttpRequest request)
    {
        await routes.InvokeAsync(request.HttpContext);
        return new EmptyResult();
    }
}

// Queue triggers: routing and the poison queue (Azure moves a message there after maxDequeueCount, as locally).

public sealed class RouteBericht(RouteBerichtFunction handler)
{
    [Function(nameof(RouteBericht))]
    public Task Run([QueueTrigger("berichten-in", Connection = "AzureWebJobsStorage")] string body, FunctionContext context) =>
        handler.HandleAsync(Handlers.Queue("berichten-in", body, context), context.CancellationToken);
}

public sealed class PoisonBericht(PoisonBerichtFunction handler)
{
    [Function(nameof(PoisonBericht))]
    public Task Run([QueueTrigger("berichten-in-poison", Connection = "AzureWebJobsStorage")] string body, FunctionContext context) =>
        handler.HandleAsync(Handlers.Queue("berichten-in-poison", body, context), context.CancellationToken);
}

// Timer triggers: schedules come from app settings, as locally.

public sealed class FileDrop(FileDropFunction handler)
{
    [Function(nameof(FileDrop))]
    public Task Run([TimerTrigger("%FileDropSchedule%")] TimerInfo timer, FunctionContext context) => handler.RunAsync(Handlers.Timer(timer), context.CancellationToken);
}

public sealed class Retention(RetentionFunction handler)
{
    [Function(nameof(Retention))]
    public Task Run([TimerTrigger("%RetentionSchedule%")] TimerInfo timer, FunctionContext context) => handler.RunAsync(Handlers.Timer(timer), context.CancellationToken);
}

public sealed class CakRelay(CakRelayFunction handler)
{
    [Function(nameof(CakRelay))]
    public Task Run([TimerTrigger("%CakRelaySchedule%")] TimerInfo timer, FunctionContext context) => handler.RunAsync(Handlers.Timer(timer), context.CancellationToken);
}

public sealed class DetectionScan(DetectionScanFunction handler)
{
    [Function(nameof(DetectionScan))]
    public Task Run([TimerTrigger("%ScanSchedule%")] TimerInfo timer, FunctionContext context) => handler.RunAsync(Handlers.Timer(timer), context.CancellationToken);
}

public sealed class Notifications(NotificationsFunction handler)
{
    [Function(nameof(Notifications))]
    public Task Run([TimerTrigger("%NotifySchedule%")] TimerInfo timer, FunctionContext context) => handler.RunAsync(Handlers.Timer(timer), context.CancellationToken);
}

public sealed class NotificationDigest(NotificationDigestFunction handler)
{
    [Function(nameof(NotificationDigest))]
    public Task Run([TimerTrigger("%DigestSchedule%")] TimerInfo timer, FunctionContext context) => handler.RunAsync(Handlers.Timer(timer), context.CancellationToken);
}

public sealed class BacklogRefresh(BacklogRefreshFunction handler)
{
    [Function(nameof(BacklogRefresh))]
    public Task Run([TimerTrigger("%BacklogSchedule%")] TimerInfo timer, FunctionContext context) => handler.RunAsync(Handlers.Timer(timer), context.CancellationToken);
}
