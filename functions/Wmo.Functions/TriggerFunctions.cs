using System.Text.Json;
using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using Wmo.Hub;
using Wmo.Hub.Cak;

namespace Wmo.Functions;

/// <summary>
/// Queue trigger on <c>berichten-in</c>: routes one accepted message. A failure is recorded on the message (its
/// latest reason, for the poison list) and rethrown, so the runtime retries it and finally poisons it.
/// </summary>
public sealed class RouteBerichtFunction(Router router, Tracking tracking, PoisonStore poison, ILogger<RouteBerichtFunction> logger)
{
    [Function("RouteBericht")]
    public async Task Run([QueueTrigger(IntakeOptions.InboxQueue, Connection = "AzureWebJobsStorage")] QueueMessage message, CancellationToken cancellationToken)
    {
        var inbox = JsonSerializer.Deserialize<InboxMessage>(message.Body)
            ?? throw new JsonException("The queue message is not an inbox reference.");
        using var correlation = logger.BeginBerichtScope(inbox.Id);
        try
        {
            var result = await router.RouteAsync(inbox, cancellationToken);
            logger.LogInformation("{Bericht} {Id} routed to {Addressee}; deferred {Deferred}; chain findings {Findings}",
                result.Bericht, result.Id, result.Addressee, result.Deferred, result.Findings.Count);
            if (inbox.Replayed && !result.Deferred)
            {
                await poison.ResolveAsync(inbox.Id, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await tracking.RecordLatestAsync(inbox.Id, MessageStatus.Failed, $"Poging {message.DequeueCount}: {ex.GetType().Name}: {ex.Message}", CancellationToken.None);
            throw;
        }
    }
}

/// <summary>
/// Queue trigger on <c>berichten-in-poison</c> (what Azure Functions leaves to the application): records the message
/// with its failure reason so operators see and can replay it.
/// </summary>
public sealed class PoisonBerichtFunction(PoisonStore poison, ILogger<PoisonBerichtFunction> logger)
{
    [Function("PoisonBericht")]
    public async Task Run([QueueTrigger(IntakeOptions.InboxQueue + "-poison", Connection = "AzureWebJobsStorage")] QueueMessage message, CancellationToken cancellationToken)
    {
        await poison.RecordAsync(IntakeOptions.InboxQueue, message.Body.ToString(), cancellationToken);
        logger.LogError("A message of {Queue} was poisoned and is listed under /api/admin/poison", IntakeOptions.InboxQueue);
    }
}

/// <summary>Timer (<c>%FileDropSchedule%</c>): takes the files parties dropped in their in-folders (Hub:FileDrop:Root).</summary>
public sealed class FileDropFunction(FileDrop drop, HubStartup startup, IConfiguration config, ILogger<FileDropFunction> logger)
{
    [Function("FileDrop")]
    public async Task Run([TimerTrigger("%FileDropSchedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        if (config["Hub:FileDrop:Root"] is not { Length: > 0 } root || !startup.IsReady)
        {
            return;
        }

        foreach (var result in await drop.ProcessAsync(root, cancellationToken))
        {
            logger.LogInformation("File drop {Party}/{File}: {Status} {Bericht} {Id}", result.Party, result.File, result.Status, result.Bericht, result.Id);
        }
    }
}

/// <summary>Timer (<c>%RetentionSchedule%</c>): purges acknowledged messages and delivered notifications whose retention period has passed.</summary>
public sealed class RetentionFunction(Retention retention, HubStartup startup, TimeProvider time, ILogger<RetentionFunction> logger)
{
    [Function("Retention")]
    public async Task Run([TimerTrigger("%RetentionSchedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        if (!startup.IsReady)
        {
            return;
        }

        var purged = await retention.PurgeAsync(time.GetUtcNow(), cancellationToken);
        var notifications = await retention.PurgeNotificationsAsync(time.GetUtcNow(), cancellationToken);
        logger.Log(purged + notifications > 0 ? LogLevel.Information : LogLevel.Debug,
            "Retention: {Purged} acknowledged message(s) purged after {Days} days, {Notifications} delivered notification(s) after {NotificationDays} days",
            purged, retention.Period.TotalDays, notifications, retention.NotificationPeriod.TotalDays);
    }
}

/// <summary>Timer (<c>%CakRelaySchedule%</c>): sends the CAK outbox in order through the configured transport.</summary>
public sealed class CakRelayFunction(CakRelay relay, HubStartup startup, ILogger<CakRelayFunction> logger)
{
    [Function("CakRelay")]
    public async Task Run([TimerTrigger("%CakRelaySchedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        if (!startup.IsReady)
        {
            return;
        }

        var round = await relay.RunAsync(ct: cancellationToken);
        if (round.Error is not null)
        {
            logger.LogWarning("CAK relay: {Sent} sent, {Pending} waiting; the CAK is not reachable: {Error}", round.Sent, round.Pending, round.Error);
        }
        else if (round.Sent > 0)
        {
            logger.LogInformation("CAK relay: {Sent} WMO405 sent", round.Sent);
        }
    }
}

/// <summary>Timer (<c>%ScanSchedule%</c>, daily): the detection scan for today (Dutch date) over the due index.</summary>
public sealed class DetectionScanFunction(Wmo.Hub.Detection.Scanner scanner, Wmo.Hub.Dashboard.BacklogSnapshots backlog, HubStartup startup, TimeProvider time,
    ILogger<DetectionScanFunction> logger)
{
    [Function("DetectionScan")]
    public async Task Run([TimerTrigger("%ScanSchedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        if (!startup.IsReady)
        {
            return;
        }

        var today = Wmo.Messages.DutchTime.Today(time);
        var result = await scanner.ScanAsync(today, cancellationToken);
        logger.LogInformation("Detection scan for {AsOf}: {Due} due, {Raised} alerts raised or updated, {Resolved} resolved, {CriticalStacks} critical stapelfactuur risks",
            result.AsOf, result.Due, result.Raised, result.Resolved, result.CriticalStacks);
        await backlog.RefreshAsync(cancellationToken);
    }
}

/// <summary>
/// Timer (<c>%BacklogSchedule%</c>, every ten minutes by default): recomputes the dashboard's CAK backlog per gemeente,
/// so what routing resolved and officers acknowledged since the last scan shows within minutes.
/// </summary>
public sealed class BacklogRefreshFunction(Wmo.Hub.Dashboard.BacklogSnapshots backlog, HubStartup startup, ILogger<BacklogRefreshFunction> logger)
{
    [Function("BacklogRefresh")]
    public async Task Run([TimerTrigger("%BacklogSchedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        if (!startup.IsReady)
        {
            return;
        }

        var gemeenten = await backlog.RefreshAsync(cancellationToken);
        logger.LogInformation("Backlog recomputed for {Gemeenten} gemeenten", gemeenten);
    }
}

/// <summary>Timer (<c>%NotifySchedule%</c>): delivers the notification outbox to the owners' webhooks.</summary>
public sealed class NotificationsFunction(Wmo.Hub.Notifications.Notifier notifier, HubStartup startup, ILogger<NotificationsFunction> logger)
{
    [Function("Notifications")]
    public async Task Run([TimerTrigger("%NotifySchedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        if (!startup.IsReady)
        {
            return;
        }

        var round = await notifier.DeliverAsync(cancellationToken);
        if (round.Failing.Count > 0)
        {
            logger.LogWarning("Notifications: {Sent} delivered, {Waiting} waiting; webhook failing for {Owners}", round.Sent, round.Waiting, string.Join(", ", round.Failing));
        }
        else if (round.Sent > 0)
        {
            logger.LogInformation("Notifications: {Sent} delivered in {Posts} posts", round.Sent, round.Posts);
        }
    }
}

/// <summary>Timer (<c>%DigestSchedule%</c>, daily): queues each owner's digest of open alerts.</summary>
public sealed class NotificationDigestFunction(Wmo.Hub.Notifications.NotificationOutbox outbox, Alerts alerts, HubStartup startup, TimeProvider time,
    ILogger<NotificationDigestFunction> logger)
{
    [Function("NotificationDigest")]
    public async Task Run([TimerTrigger("%DigestSchedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        if (!startup.IsReady)
        {
            return;
        }

        var queued = await outbox.EnqueueDigestsAsync(alerts, Wmo.Messages.DutchTime.Today(time), cancellationToken);
        logger.LogInformation("Notification digest: {Queued} owner(s)", queued);
    }
}
