using System.Text.Json;
using Wmo.Hub;
using Wmo.Hub.Cak;
using Wmo.Hub.Chain;
using Wmo.Messages.Retour;

namespace Wmo.Functions;

/// <summary>
/// The person view of the CAK leg, for the gemeente and the CAK liaison. BSNs never travel in URLs (they end up in
/// logs): a person is looked up with the BSN in a POST body and then addressed by an opaque id (the ledger's HMAC).
/// A gemeente sees only its own residents; another gemeente's person is answered 404, like an unknown one.
/// </summary>
internal static class PersonEndpoints
{
    private sealed record Lookup(string? Bsn, string? Gemeente);

    public static void MapPersonEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/personen/zoek", SearchAsync);
        app.MapGet("/api/personen/{id}/cak", CakAsync);
        app.MapPost("/api/personen/{id}/cak/opnieuw", ResendAsync);
    }

    private static bool SeesAllGemeenten(Caller c) => c.Role is Role.CakLiaison or Role.Admin;

    private static bool IsGemeente(Caller c) => c.Role is Role.Gemeente or Role.GemeenteOfficer;

    private static async Task<IResult> SearchAsync(HttpContext http, ApiKeys keys, LedgerStore ledger, CancellationToken ct)
    {
        if (await MailboxEndpoints.AuthenticateAsync(http, keys, ct) is not { } caller)
        {
            return Problem(StatusCodes.Status401Unauthorized, "Unauthenticated", "Send a valid API key in the X-Api-Key header.");
        }

        if (!IsGemeente(caller) && !SeesAllGemeenten(caller))
        {
            return Problem(StatusCodes.Status403Forbidden, "Not allowed", "Only a gemeente and the CAK liaison look up persons.");
        }

        Lookup? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<Lookup>(http.Request.Body, new JsonSerializerOptions(JsonSerializerDefaults.Web), ct);
        }
        catch (JsonException)
        {
            body = null;
        }

        if (body?.Bsn is not { } bsn || !MessageRules.IsValidBsn(bsn))
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid BSN", "Send {\"bsn\": \"…\"} with a BSN of nine digits that passes the elfproef.");
        }

        var gemeente = IsGemeente(caller) ? caller.Party : body.Gemeente;
        if (gemeente is not { Length: 4 })
        {
            return Problem(StatusCodes.Status400BadRequest, "Gemeente needed", "Name the gemeente (CBS code) the person belongs to: {\"bsn\": …, \"gemeente\": \"0363\"}.");
        }

        var id = ledger.PersonId(gemeente, bsn);
        return await ledger.GetStateAsync(id, ct) is null
            ? Problem(StatusCodes.Status404NotFound, "Unknown person", "No chain for this BSN with this gemeente.")
            : Results.Json(new { id, gemeente, bsn = MessageRules.Mask(bsn), cak = $"/api/personen/{id}/cak" });
    }

    private static async Task<IResult> CakAsync(HttpContext http, ApiKeys keys, LedgerStore ledger, CakLeg cak, TimeProvider time, string id, CancellationToken ct)
    {
        var (caller, state, denied) = await AccessAsync(http, keys, ledger, id, ct);
        if (denied is not null)
        {
            return denied;
        }

        var entries = await ledger.EntriesAsync(id, ct);
        var today = Wmo.Messages.DutchTime.Today(time);
        var policy = cak.Policies.For(state!.Gemeente);
        return Results.Json(new
        {
            id,
            gemeente = state.Gemeente,
            bsn = MessageRules.Mask(state.Bsn),
            policy = new { start = policy.Start.ToString(), stop = policy.Stop.ToString() },
            voorzieningen = state.Toewijzingen.Select(t => new
            {
                toewijzingNummer = t.Nummer, aanbieder = t.Aanbieder, categorie = t.Categorie, productCode = t.ProductCode, ingangsdatum = t.Ingangsdatum,
                einddatum = t.Einddatum, verwijderd = t.Deleted, budget = t.Budget,
                starts = state.Starts.Where(s => s.Toewijzing == t.Nummer).Select(s => new { begindatum = s.Begindatum, actueel = s.Current }),
                stops = state.Stops.Where(s => s.Toewijzing == t.Nummer).Select(s => new { begindatum = s.Begindatum, einddatum = s.Einddatum, reden = s.RedenBeeindiging, actueel = s.Current }),
            }),
            perioden = EigenBijdragePlanner.Derive(state, policy, cak.Tariffs, today)
                .Select(p => new { begindatum = p.Begindatum, einddatum = p.Einddatum, productCategorie = p.ProductCategorie, kostprijs = p.Kostprijs }),
            cak = state.Cak.Select(c => new
            {
                begindatum = c.Begindatum, einddatum = c.Einddatum, kostprijs = c.Kostprijs, status = c.Status, wmo405 = c.MessageId,
                verzonden = c.SentOn, beantwoord = c.AnsweredOn, retourCodes = c.Codes ?? [],
                stop = c.StopStatus is null ? null : new { status = c.StopStatus, wmo405 = c.StopMessageId, verzonden = c.StopSentOn, beantwoord = c.StopAnsweredOn, retourCodes = c.StopCodes ?? [] },
            }),
            meldingen = entries.SelectMany(e => e.Outbox.Where(o => o.Kind == OutboxItem.Wmo405)
                    .Select(o => new { bericht = o.Bericht, id = o.Id, op = e.At, aanleiding = (Guid?)o.Answers, retourCodes = (IReadOnlyList<string>?)null }))
                .Concat(entries.Where(e => e.Bericht == "WMO406").Select(e => new
                {
                    bericht = e.Bericht, id = e.MessageId, op = e.At, aanleiding = (Guid?)null,
                    retourCodes = (IReadOnlyList<string>?)e.Events.SelectMany(ev => ev.RetourCodes ?? []).ToList(),
                }))
                .OrderBy(m => m.op),
        });
    }

    private static async Task<IResult> ResendAsync(HttpContext http, ApiKeys keys, LedgerStore ledger, Router router, string id, CancellationToken ct)
    {
        var (caller, state, denied) = await AccessAsync(http, keys, ledger, id, ct);
        if (denied is not null)
        {
            return denied;
        }

        if (!Permissions.May(caller!, HubAction.ResendToCak, gemeente: state!.Gemeente))
        {
            return Problem(StatusCodes.Status403Forbidden, "Not allowed", "Only the gemeente (or an admin) sends a corrected WMO405.");
        }

        var sent = await router.ResendToCakAsync(id, ct);
        return sent is { } wmo405
            ? Results.Json(new { wmo405 }, statusCode: StatusCodes.Status202Accepted)
            : Results.Json(new { wmo405 = (Guid?)null, detail = "Er stond niets open om opnieuw naar het CAK te sturen." });
    }

    private static async Task<(Caller? Caller, ChainState? State, IResult? Denied)> AccessAsync(HttpContext http, ApiKeys keys, LedgerStore ledger, string id, CancellationToken ct)
    {
        if (await MailboxEndpoints.AuthenticateAsync(http, keys, ct) is not { } caller)
        {
            return (null, null, Problem(StatusCodes.Status401Unauthorized, "Unauthenticated", "Send a valid API key in the X-Api-Key header."));
        }

        var state = id.Length == 32 && id.All(char.IsAsciiHexDigitLower) ? await ledger.GetStateAsync(id, ct) : null;
        if (state is null || !(SeesAllGemeenten(caller) || (IsGemeente(caller) && state.Gemeente == caller.Party)))
        {
            return (caller, null, Problem(StatusCodes.Status404NotFound, "Unknown person", "No person with this id is visible to you."));
        }

        return (caller, state, null);
    }

    private static IResult Problem(int status, string title, string detail) => Results.Problem(detail: detail, statusCode: status, title: title);
}
