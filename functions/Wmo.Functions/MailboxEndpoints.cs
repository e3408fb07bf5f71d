using Wmo.AzureStorage;
using Wmo.Hub;

namespace Wmo.Functions;

/// <summary>
/// Reading side of the hub: a party's mailbox, a message's tracking history, and the operators' poison list. Every
/// answer is limited to the caller's own party; a message of another party is answered 404, exactly like one that
/// does not exist, so ids cannot be probed.
/// </summary>
internal static class MailboxEndpoints
{
    private const int DefaultPageSize = 50;
    private const int MaxPageSize = 500;

    public static void MapMailboxEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/mailbox", ListAsync);
        app.MapGet("/api/mailbox/{id}", DownloadAsync);
        app.MapPost("/api/mailbox/{id}/ack", AcknowledgeAsync);
        app.MapGet("/api/berichten/{id}", HistoryAsync);
        app.MapGet("/api/admin/poison", PoisonListAsync);
        app.MapPost("/api/admin/poison/{id}/replay", ReplayAsync);
    }

    private static async Task<IResult> ListAsync(HttpContext http, ApiKeys keys, Mailboxes mailboxes, string? continuationToken, int? pageSize, bool? unread, CancellationToken ct)
    {
        if (await AuthenticateAsync(http, keys, ct) is not { } caller)
        {
            return Unauthenticated();
        }

        if (pageSize is < 1 or > MaxPageSize)
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid page size", $"pageSize is 1 to {MaxPageSize}.");
        }

        try
        {
            var page = await mailboxes.ListAsync(caller.Party, pageSize ?? DefaultPageSize, continuationToken, unread == true, ct);
            return Results.Json(new
            {
                items = page.Items.Select(i => new
                {
                    id = i.Id, bericht = i.Bericht, van = i.Van, deliveredOn = i.DeliveredOn, read = i.Read, readOn = i.ReadOn, answers = i.Answers, hubRetourCodes = i.HubRetourCodes,
                }),
                continuationToken = page.ContinuationToken,
            });
        }
        catch (ArgumentException ex)
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid continuation token", ex.Message);
        }
    }

    private static async Task<IResult> DownloadAsync(HttpContext http, ApiKeys keys, Mailboxes mailboxes, Tracking tracking, StorageClients storage, string id, CancellationToken ct)
    {
        if (await AuthenticateAsync(http, keys, ct) is not { } caller)
        {
            return Unauthenticated();
        }

        if (!Guid.TryParse(id, out var messageId) || await mailboxes.GetAsync(caller.Party, messageId, ct) is not { } item)
        {
            return NotInMailbox();
        }

        var blob = await storage.GetBlobContainer(IntakeOptions.ArchiveContainer).GetAsync(item.Blob, ct);
        if (blob is null)
        {
            return Problem(StatusCodes.Status410Gone, "Message purged", "The message's XML was removed after its retention period.");
        }

        await tracking.RecordAsync(messageId, MessageStatus.Downloaded, caller.Party, ct: ct);
        return Results.Bytes(blob.Content, "application/xml");
    }

    private static async Task<IResult> AcknowledgeAsync(HttpContext http, ApiKeys keys, Mailboxes mailboxes, Tracking tracking, Retention retention, string id, CancellationToken ct)
    {
        if (await AuthenticateAsync(http, keys, ct) is not { } caller)
        {
            return Unauthenticated();
        }

        if (!Guid.TryParse(id, out var messageId) || !await mailboxes.AcknowledgeAsync(caller.Party, messageId, ct))
        {
            return NotInMailbox();
        }

        await tracking.RecordAsync(messageId, MessageStatus.Acknowledged, caller.Party, ct: ct);
        await retention.ScheduleAsync(caller.Party, messageId, ct);
        return Results.Json(new { id = messageId, read = true });
    }

    private static async Task<IResult> HistoryAsync(HttpContext http, ApiKeys keys, Tracking tracking, string id, CancellationToken ct)
    {
        if (await AuthenticateAsync(http, keys, ct) is not { } caller)
        {
            return Unauthenticated();
        }

        if (!Guid.TryParse(id, out var messageId) || await tracking.HistoryAsync(messageId, ct) is not { } history
            || !(caller.Role == Role.Admin || history.Message.Concerns(caller.Party)))
        {
            return Problem(StatusCodes.Status404NotFound, "Unknown message", "No message with this id was sent by or to you.");
        }

        var m = history.Message;
        return Results.Json(new
        {
            id = m.Id,
            bericht = m.Bericht,
            afzender = m.Afzender,
            geadresseerde = m.Geadresseerde,
            identificatie = m.Identificatie,
            dagtekening = m.Dagtekening,
            receivedOn = m.ReceivedOn,
            status = history.Current,
            history = history.Statuses.Select(s => new { status = s.Status, at = s.At, detail = s.Detail, related = s.Related }),
            links = history.Links.Select(l => new { id = l.Id, relation = l.Relation, bericht = l.Bericht }),
        });
    }

    private static async Task<IResult> PoisonListAsync(HttpContext http, ApiKeys keys, PoisonStore poison, CancellationToken ct)
    {
        if (await AuthenticateAsync(http, keys, ct) is not { } caller)
        {
            return Unauthenticated();
        }

        if (!Permissions.May(caller, HubAction.ReplayPoison))
        {
            return AdminOnly();
        }

        var list = await poison.ListAsync(ct);
        return Results.Json(list.Select(p => new
        {
            id = p.Id, queue = p.Queue, bericht = p.Bericht, afzender = p.Afzender, reason = p.Reason, poisonedOn = p.PoisonedOn,
            poisonings = p.Poisonings, replayedOn = p.ReplayedOn,
        }));
    }

    private static async Task<IResult> ReplayAsync(HttpContext http, ApiKeys keys, PoisonStore poison, string id, CancellationToken ct)
    {
        if (await AuthenticateAsync(http, keys, ct) is not { } caller)
        {
            return Unauthenticated();
        }

        if (!Permissions.May(caller, HubAction.ReplayPoison))
        {
            return AdminOnly();
        }

        if (!Guid.TryParse(id, out var messageId))
        {
            return Problem(StatusCodes.Status404NotFound, "Unknown poisoned message", "No poisoned message has this id.");
        }

        var (outcome, message) = await poison.ReplayAsync(messageId, ct);
        return outcome switch
        {
            ReplayOutcome.Replayed => Results.Json(new { id = messageId, replayedOn = message!.ReplayedOn, queue = message.Queue }, statusCode: StatusCodes.Status202Accepted),
            ReplayOutcome.AlreadyReplayed => Problem(StatusCodes.Status409Conflict, "Already replayed",
                "This poisoned message was replayed already; if it fails again it is listed again and can be replayed then."),
            _ => Problem(StatusCodes.Status404NotFound, "Unknown poisoned message", "No poisoned message has this id."),
        };
    }

    internal static Task<Caller?> AuthenticateAsync(HttpContext http, ApiKeys keys, CancellationToken ct) =>
        keys.AuthenticateAsync(http.Request.Headers["X-Api-Key"], ct);

    private static IResult Unauthenticated() =>
        Problem(StatusCodes.Status401Unauthorized, "Unauthenticated", "Send a valid API key in the X-Api-Key header.");

    private static IResult AdminOnly() => Problem(StatusCodes.Status403Forbidden, "Not allowed", "Only an admin may see and replay poisoned messages.");

    private static IResult NotInMailbox() => Problem(StatusCodes.Status404NotFound, "Not in your mailbox", "Your mailbox holds no message with this id.");

    private static IResult Problem(int status, string title, string detail) =>
        Results.Problem(detail: detail, statusCode: status, title: title);
}
