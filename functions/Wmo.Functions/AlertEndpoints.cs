using System.Text;
using System.Text.Json;
using Wmo.AzureStorage;
using Wmo.Hub;

namespace Wmo.Functions;

/// <summary>
/// <c>GET /api/alerts</c> (filters owner, gemeente, aanbieder, rule, severity, status; paged) and
/// <c>POST /api/alerts/{id}/ack</c>. A gemeente sees its own gemeente's alerts, an aanbieder the alerts about it; the
/// CAK liaison and admin see all, including the hub-wide ones (poisoned messages, CAK unreachable).
/// </summary>
internal static class AlertEndpoints
{
    /// <param name="Resolve">Also close the alert ("opgelost"); only who owns it may (Permissions).</param>
    private sealed record Acknowledgement(string? Note, bool Resolve = false);

    public static void MapAlertEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/alerts", ListAsync);
        app.MapPost("/api/alerts/{id}/ack", AcknowledgeAsync);
        app.MapGet("/api/alerts/{id}/brief", LetterAsync);
        app.MapPost("/api/admin/scan", ScanAsync);
    }

    private static async Task<IResult> ListAsync(HttpContext http, ApiKeys keys, Alerts alerts, Wmo.Hub.Notifications.OwnerDirectory owners, string? owner, string? gemeente, string? aanbieder, string? rule,
        string? severity, string? status, int? pageSize, string? continuationToken, CancellationToken ct)
    {
        if (await MailboxEndpoints.AuthenticateAsync(http, keys, ct) is not { } caller)
        {
            return Results.Problem(statusCode: 401, title: "Unauthenticated", detail: "Send a valid API key in the X-Api-Key header.");
        }

        // A party's own scope is forced, whatever the query says.
        if (caller.Role is Role.Gemeente or Role.GemeenteOfficer)
        {
            gemeente = caller.Party;
        }
        else if (caller.Role is Role.Aanbieder or Role.SupplierOfficer)
        {
            aanbieder = caller.Party;
        }
        else if (!Permissions.May(caller, HubAction.ReadAlert))
        {
            return Results.Problem(statusCode: 403, title: "Not allowed", detail: "This role sees no alerts.");
        }

        if (pageSize is < 1 or > 1000)
        {
            return Results.Problem(statusCode: 400, title: "Invalid page size", detail: "pageSize is 1 to 1000.");
        }

        string? continuation = null;
        if (continuationToken is { Length: > 0 })
        {
            try
            {
                continuation = Encoding.UTF8.GetString(Convert.FromBase64String(continuationToken));
            }
            catch (FormatException)
            {
                return Results.Problem(statusCode: 400, title: "Invalid continuation token", detail: "Pass the continuationToken this API returned.");
            }
        }

        var (items, next) = await alerts.ListAsync(new AlertFilter(owner, gemeente, aanbieder, rule, severity, status), pageSize ?? 100, continuation, ct);
        return Results.Json(new
        {
            items = items.Select(a => new
            {
                id = a.Id, rule = a.Rule, severity = a.Severity, status = a.Status, owner = a.Owner, gemeente = a.Gemeente, aanbieder = a.Aanbieder,
                toewijzingNummer = a.ToewijzingNummer, bsn = a.MaskedBsn, persoon = a.PersonId, detectedAt = a.DetectedAt, dueSince = a.DueSince,
                monthsAtRisk = a.MonthsAtRisk, amountAtRiskCents = a.AmountAtRiskCents, unconfirmed = a.Unconfirmed, explanation = a.Explanation, resolvedAt = a.ResolvedAt,
                resolution = a.Resolution, acknowledgedAt = a.AcknowledgedAt, note = a.Note,
                ownerContact = owners.Find(a.Owner) is { } o ? new { naam = o.Naam, email = o.Email, telefoon = o.Telefoon } : null,
                letter = Wmo.Hub.Detection.ResidentLetter.Applies(a) ? $"/api/alerts/{a.Id}/brief" : null,
            }),
            continuationToken = next is null ? null : Convert.ToBase64String(Encoding.UTF8.GetBytes(next)),
        });
    }

    /// <summary>Runs the detection scan for a given day (operators re-run a missed day; demos and tests travel in time).</summary>
    private static async Task<IResult> ScanAsync(HttpContext http, ApiKeys keys, Wmo.Hub.Detection.Scanner scanner, Wmo.Hub.Dashboard.BacklogSnapshots backlog, TimeProvider time,
        string? asOf, CancellationToken ct)
    {
        if (await MailboxEndpoints.AuthenticateAsync(http, keys, ct) is not { } caller)
        {
            return Results.Problem(statusCode: 401, title: "Unauthenticated", detail: "Send a valid API key in the X-Api-Key header.");
        }

        if (!Permissions.May(caller, HubAction.RunScan))
        {
            return Results.Problem(statusCode: 403, title: "Not allowed", detail: "Only an admin runs the scan.");
        }

        if (asOf is not null && QueryDates.Day(asOf) is null)
        {
            return Results.Problem(statusCode: 400, title: "Invalid date",
                detail: $"asOf is a date as yyyy-MM-dd from {QueryDates.Earliest:yyyy-MM-dd} to {QueryDates.Latest:yyyy-MM-dd}.");
        }

        var day = QueryDates.Day(asOf) ?? Wmo.Messages.DutchTime.Today(time);

        var result = await scanner.ScanAsync(day, ct);
        await backlog.RefreshAsync(ct);
        return Results.Json(new { asOf = result.AsOf, due = result.Due, raised = result.Raised, resolved = result.Resolved, criticalStacks = result.CriticalStacks });
    }

    /// <summary>
    /// The resident's warning letter for a critical R1 alert (printable HTML, Dutch), for the gemeente of the alert and
    /// the CAK liaison. Suppliers do not get it: it names the resident.
    /// </summary>
    private static async Task<IResult> LetterAsync(HttpContext http, ApiKeys keys, Alerts alerts, Wmo.Hub.Chain.LedgerStore ledger, Wmo.Hub.Cak.CakLeg cak,
        Wmo.Hub.Notifications.OwnerDirectory owners, TimeProvider time, string id, CancellationToken ct)
    {
        if (await MailboxEndpoints.AuthenticateAsync(http, keys, ct) is not { } caller)
        {
            return Results.Problem(statusCode: 401, title: "Unauthenticated", detail: "Send a valid API key in the X-Api-Key header.");
        }

        var alert = await alerts.GetAsync(id, ct);
        if (alert is null || !Permissions.May(caller, HubAction.ReadLetter, alert))
        {
            return Results.Problem(statusCode: 404, title: "Unknown alert", detail: "No alert with this id is yours to see.");
        }

        if (!Wmo.Hub.Detection.ResidentLetter.Applies(alert) || alert.PersonId is null || await ledger.GetStateAsync(alert.PersonId, ct) is not { } state)
        {
            return Results.Problem(statusCode: 409, title: "No letter for this alert",
                detail: "A resident letter exists only for a realised stapelfactuur (R8) or an open, confirmed, critical stapelfactuur risk (R1).");
        }

        var html = Wmo.Hub.Detection.ResidentLetter.Render(alert, state, owners.Find(alert.Gemeente!), cak.Tariffs, Wmo.Messages.DutchTime.Today(time));
        return Results.Content(html, "text/html; charset=utf-8");
    }

    private static async Task<IResult> AcknowledgeAsync(HttpContext http, ApiKeys keys, Alerts alerts, string id, CancellationToken ct)
    {
        if (await MailboxEndpoints.AuthenticateAsync(http, keys, ct) is not { } caller)
        {
            return Results.Problem(statusCode: 401, title: "Unauthenticated", detail: "Send a valid API key in the X-Api-Key header.");
        }

        Acknowledgement? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<Acknowledgement>(http.Request.Body, new JsonSerializerOptions(JsonSerializerDefaults.Web), ct);
        }
        catch (JsonException)
        {
            body = null;
        }

        if (body?.Note is not { Length: > 0 } note)
        {
            return Results.Problem(statusCode: 400, title: "Note needed", detail: "Acknowledge with {\"note\": \"…\"}: what was done or agreed.");
        }

        if (note.Length > Alerts.MaxNoteLength)
        {
            return Results.Problem(statusCode: 400, title: "Note too long",
                detail: $"A note is at most {Alerts.MaxNoteLength} characters (this one has {note.Length}); nothing was saved.");
        }

        var found = await alerts.GetAsync(id, ct);
        if (found is null || !Permissions.May(caller, HubAction.ReadAlert, found))
        {
            return Results.Problem(statusCode: 404, title: "Unknown alert", detail: "No alert with this id is yours to see.");
        }

        if (!Permissions.May(caller, HubAction.AcknowledgeAlert, found) || (body.Resolve && !Permissions.May(caller, HubAction.CloseAlert, found)))
        {
            return Results.Problem(statusCode: 403, title: "Not allowed",
                detail: $"This alert is for {found.Owner} to {(body.Resolve ? "close" : "handle")}; you may see it, not change it (README \"Authorisation\").");
        }

        var alert = await alerts.AcknowledgeAsync(id, note, a => Permissions.May(caller, HubAction.AcknowledgeAlert, a), ct);
        if (alert is not null && body.Resolve)
        {
            // Closed by hand: if the cause is still there, the next scan raises it again (as a new occurrence).
            await alerts.ResolveAsync(alert.Gemeente, alert.Id, $"Afgesloten door {caller.Party}: {alert.Note}", ct);
            alert = await alerts.GetAsync(id, ct);
        }

        return alert is null
            ? Results.Problem(statusCode: 404, title: "Unknown alert", detail: "No alert with this id is yours to acknowledge.")
            : Results.Json(new { id = alert.Id, status = alert.Status, acknowledgedAt = alert.AcknowledgedAt, note = alert.Note, resolvedAt = alert.ResolvedAt });
    }
}
