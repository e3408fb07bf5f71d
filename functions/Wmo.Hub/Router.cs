using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Wmo.AzureStorage;
using Wmo.Hub.Cak;
using Wmo.Hub.Chain;
using Wmo.Hub.Detection;
using Wmo.Messages;
using Wmo.Messages.Model;
using Wmo.Messages.Retour;
using MessageRules = Wmo.Messages.Retour.MessageRules;

namespace Wmo.Hub;

/// <summary>What routing did with a message.</summary>
public sealed record RouteResult(Guid Id, string Bericht, string Addressee, IReadOnlyList<Finding> Findings, Guid? HubRetour)
{
    /// <summary>Routing waits: the message needs history that may still be on its way (see <see cref="Router"/>).</summary>
    public bool Deferred { get; init; }
}

/// <summary>Thrown from a ledger evaluation to leave the chain unchanged and try the message again later.</summary>
internal sealed class ChainDeferredException : Exception
{
    public ChainDeferredException(string message) : base(message)
    {
    }
}

/// <summary>
/// The second step of every message (queue <c>berichten-in</c>): read the archived XML, apply it to the chain ledger
/// of each person it names (chain rules with history, exactly once per person), and in the same ledger transaction
/// decide what the change causes — the hub's retour when a chain rule rejects something, the WMO405 when the
/// person's eigen-bijdrage periods change, and new deadlines for the due index. Then dispatch those, put the message
/// in its addressee's mailbox, and link a retour to its heenbericht. Every step is idempotent, so a retry after a
/// crash anywhere finishes the work without repeating it.
/// Queues do not keep order (and OP080 says order of receipt means nothing), so a start may be routed before the
/// toewijzing posted a moment earlier. A rejection for missing history (9019, 9063, 9069) is therefore only final once
/// the message is older than <see cref="IntakeOptions.ChainGrace"/>; until then the message is put back on the queue
/// with a delay and the chain is left as it was.
/// </summary>
public sealed class Router
{
    /// <summary>The "sender" of the retours the hub writes itself on behalf of the chain rules.</summary>
    public const string HubParty = "hub";

    private readonly Tracking _tracking;
    private readonly Mailboxes _mailboxes;
    private readonly LedgerStore _ledger;
    private readonly BlobContainerClient _archive;
    private readonly RetourWriter _retours;
    private readonly TimeProvider _time;
    private readonly IntakeOptions _options;
    private readonly QueueClient _inbox;

    private readonly CakLeg? _cak;
    private readonly Alerts? _alerts;
    private readonly Detection.DueIndex? _due;
    private readonly Detection.DetectionOptions? _detection;
    private readonly Detection.DeadlineSync? _deadlines;
    private readonly Dashboard.LeadTimes? _leadTimes;

    /// <param name="cak">The CAK leg; null leaves WMO405 out (e.g. a hub that only routes iWmo).</param>
    public Router(Tracking tracking, Mailboxes mailboxes, LedgerStore ledger, StorageClients storage, SchemaRegistry schemas, IntakeOptions options, TimeProvider time,
        CakLeg? cak = null, Alerts? alerts = null, Detection.DueIndex? due = null, Detection.DetectionOptions? detection = null, Dashboard.LeadTimes? leadTimes = null)
    {
        _leadTimes = leadTimes;
        _due = due;
        _detection = detection;
        _cak = cak;
        _deadlines = due is null || detection is null || cak is null ? null : new Detection.DeadlineSync(due, ledger, cak, detection);
        _alerts = alerts;
        _tracking = tracking;
        _mailboxes = mailboxes;
        _ledger = ledger;
        _archive = storage.GetBlobContainer(IntakeOptions.ArchiveContainer);
        _retours = new RetourWriter(schemas);
        _time = time;
        _options = options;
        _inbox = storage.GetQueue(IntakeOptions.InboxQueue);
    }

    public async Task<RouteResult> RouteAsync(InboxMessage inbox, CancellationToken ct = default)
    {
        // The queue message carries what routing needs (an older one without ReceivedOn: read the intake record).
        var receivedOn = inbox.ReceivedOn ?? (await _tracking.GetAsync(inbox.Id, ct)
            ?? throw new InvalidOperationException($"Message {inbox.Id:N} has no intake record; it cannot be routed.")).ReceivedOn;
        var xml = inbox.Xml ?? (await _archive.GetAsync(inbox.Blob, ct)
            ?? throw new InvalidOperationException($"Message {inbox.Id:N} is not in the archive ({inbox.Blob}).")).Content;
        var doc = IwmoXml.Load(xml);
        var message = IwmoXml.Read(doc);
        var type = message.Type;
        var id = inbox.Id;
        var heenId = Routing.AnswersId(message);
        var heen = heenId is { } h ? await _tracking.GetAsync(h, ct) : null;
        var gemeente = Routing.Gemeente(message);

        // 1. The ledger, per person: the chain rules' verdict and the outgoing retour are stored with the change.
        var entries = new List<LedgerEntry>();
        var personOf = new Dictionary<LedgerEntry, string>(ReferenceEqualityComparer.Instance);
        string? singlePerson = null;
        var waiting = _time.GetUtcNow() - receivedOn < _options.ChainGrace;
        foreach (var (personId, bsn) in await PersonsAsync(message, gemeente, heen, ct))
        {
            LedgerEntry entry;
            try
            {
                entry = await _ledger.ApplyAsync(personId, gemeente, bsn, id, type.Name, receivedOn,
                    state => Deadlines(state, Decide(DeferIfEarly(ChainLedger.Apply(state, message, bsn, id, receivedOn, heen?.Id), waiting), inbox, personId, gemeente), personId),
                    ct);
            }
            catch (ChainDeferredException ex)
            {
                // Applied before (this is a retry)? Then what was stored stands; otherwise wait for the history.
                if (await _ledger.TryGetEntryAsync(personId, id, ct) is not { } stored)
                {
                    await _inbox.SendAsync(JsonSerializer.Serialize(inbox), _options.ChainRetryDelay, ct: ct);
                    await _tracking.RecordLatestAsync(id, MessageStatus.Queued, ex.Message, ct);
                    return new RouteResult(id, type.Name, Routing.Addressee(message), [], null) { Deferred = true };
                }

                entry = stored;
            }

            entries.Add(entry);
            personOf[entry] = personId;
            if (_deadlines is not null)
            {
                await _deadlines.SyncAsync(personId, entry.Due, entry.State, Today(), ct);
            }

            if (Routing.Bsns(message).Count == 1 || message is Wmo319)
            {
                singlePerson = personId;
            }

            foreach (var referentie in Requests(message))
            {
                await _ledger.IndexRequestAsync(message.Header.Afzender, referentie, personId, ct);
            }
        }

        // 2. The outbox: the hub's retours, rebuilt from the stored findings so every attempt writes the same one.
        Guid? hubRetour = null;
        var findings = entries.SelectMany(e => e.Findings).ToList();
        var sender = new MessageRecord(id, type.Name, inbox.Afzender, Routing.Addressee(message), message.Header.BerichtIdentificatie.Identificatie,
            message.Header.BerichtIdentificatie.Dagtekening, inbox.Blob, receivedOn, singlePerson, heen?.Id, Queued: true);
        foreach (var item in entries.SelectMany(e => e.Outbox).DistinctBy(i => i.Id))
        {
            if (item.Kind == OutboxItem.Wmo405)
            {
                var cause = entries.First(e => e.Outbox.Contains(item));
                await DispatchWmo405Async(item, gemeente, personOf[cause], cause.At, ct);
                continue;
            }

            await DispatchRetourAsync(doc, sender, item, findings, ct);
            hubRetour = item.Id;
        }

        // 3–8 write to different tables and partitions and none reads what another writes, so they go side by side:
        // a message waits for the slowest, not for the sum. Each is idempotent; if one fails, the queue retries all.
        var addressee = sender.Geadresseerde;
        await Task.WhenAll(
            DeliverAsync(inbox, id, type, message, addressee, heen, findings, hubRetour, singlePerson, ct),
            ScheduleOwedRetourAsync(inbox, id, type, receivedOn, ct),
            CakAnswerAlertsAsync(type, heen, personOf.Values.Distinct(), ct),
            ReceiptEffectsAsync(entries, personOf, gemeente, message, receivedOn, ct));

        return new RouteResult(id, type.Name, addressee, findings, hubRetour);
    }

    /// <summary>
    /// 3. A retour or 325 answers its heenbericht (when that went through the hub): recorded on the heenbericht first,
    /// so whoever sees the answer in a mailbox finds its heenbericht answered.
    /// 4. The addressee's mailbox. The message goes there even when a chain rule rejected part of it: the addressee
    /// owns the final verdict (its own retour), and a message the sender believes sent must not vanish in between. The
    /// hub's findings travel with it, so the addressee sees what the hub saw.
    /// 5. Then tracking, in one write: routed (with the person, so a retour on this message finds the chain), rejected
    /// by a chain rule, delivered; and the link to the message it answers. After the mailbox, so "delivered" is true.
    /// </summary>
    private async Task DeliverAsync(InboxMessage inbox, Guid id, MessageType type, IIwmoMessage message, string addressee, MessageRecord? heen, List<Finding> findings,
        Guid? hubRetour, string? singlePerson, CancellationToken ct)
    {
        if (heen is not null)
        {
            var verdict = message is RetourBericht r && !r.IsApproved ? "afgekeurd: " + string.Join(", ", r.HeaderCodes.Concat(r.Classes.SelectMany(c => c.Codes)).Where(c => c != RetourCodes.GeenOpmerking).Distinct()) : "goedgekeurd";
            await _tracking.RecordStepsAsync(heen.Id, [new(MessageStatus.Answered, $"{type.Name} {verdict}", id)], null, [new MessageLink(id, "answered-by", type.Name)], ct);
        }

        await _mailboxes.DeliverAsync(addressee, id, type.Name, inbox.Afzender, inbox.Blob, heen?.Id, ct, [.. findings.Select(f => f.RetourCode).Distinct()]);
        var steps = new List<StatusStep> { new(MessageStatus.Routed, null, null) };
        if (findings.Count > 0)
        {
            steps.Add(new(MessageStatus.Rejected, string.Join("; ", findings.Select(f => $"{f.RetourCode} {f.Rule}: {f.Message}")), hubRetour));
        }

        steps.Add(new(MessageStatus.Delivered, addressee, null));
        await _tracking.RecordStepsAsync(id, steps, singlePerson, heen is null ? [] : [new MessageLink(heen.Id, "answers", heen.Bericht)], ct);
    }

    /// <summary>6. The retour this message is owed (OP090: 3 working days; a 325 for a 323: 10), for the detection scan.</summary>
    private async Task ScheduleOwedRetourAsync(InboxMessage inbox, Guid id, MessageType type, DateTimeOffset receivedOn, CancellationToken ct)
    {
        if (_due is not null && _detection is not null && inbox.Afzender != HubParty
            && Detection.DueRules.ForMessage(id, type, DutchTime.DateOf(receivedOn, _options.Zone), _detection.Calendar) is { } owed)
        {
            await _due.ScheduleAsync(owed, ct);
        }
    }

    /// <summary>7. The CAK's answer: a rejection is an alert for the gemeente (R4); an acceptance resolves earlier ones.</summary>
    private async Task CakAnswerAlertsAsync(MessageType type, MessageRecord? heen, IEnumerable<string> persons, CancellationToken ct)
    {
        if (type == MessageCatalog.Wmo406 && heen is not null)
        {
            foreach (var personId in persons)
            {
                await CakAnswerAlertsAsync(personId, heen.Id, ct);
            }
        }
    }

    /// <summary>
    /// 8. Lateness the message itself shows, computed on receipt: a late start (R3, OP271), a retroactive toewijzing
    /// (R7: the bijdrage already stacks the day it arrives); 8b. the supplier's lead time (toewijzing → start, →
    /// report) for the gemeente's dashboard.
    /// </summary>
    private async Task ReceiptEffectsAsync(List<LedgerEntry> entries, Dictionary<LedgerEntry, string> personOf, string gemeente, IIwmoMessage message,
        DateTimeOffset receivedOn, CancellationToken ct)
    {
        foreach (var entry in entries)
        {
            await ReceiptAlertsAsync(entry, personOf[entry], gemeente, message, receivedOn, ct);
            if (_leadTimes is not null && message is Wmo305)
            {
                await _leadTimes.RecordAsync(gemeente, message.Header.Afzender, personOf[entry], entry, _options.Zone, ct);
            }
        }
    }

    /// <summary>
    /// What a ledger change causes besides itself: the hub's retour when a chain rule rejected something, and the
    /// WMO405 when the person's eigen-bijdrage periods changed under the gemeente's policy. Both are decided here,
    /// inside the ledger transaction, so they are stored with the change or not at all.
    /// </summary>
    private ChainOutcome Decide(ChainOutcome outcome, InboxMessage inbox, string personId, string gemeente)
    {
        var outbox = new List<OutboxItem>();
        var today = Today();
        if (outcome.Findings.Count > 0 && MessageCatalog.AnswerTo(MessageCatalog.FindByName(inbox.Bericht)!) is { IsRetour: true } retourType)
        {
            outbox.Add(new OutboxItem(OutboxItem.Retour, inbox.Afzender, HubRetourId(inbox.Id), retourType.Name, today, inbox.Id));
        }

        var state = outcome.State;
        if (_cak is not null && state.Client is not null && state.Bsn.Length > 0)
        {
            var cause = inbox.Id;
            var draft = CakOutbox.Build(gemeente, _cak.Instantie, personId, cause, state, [], today);
            var wmo405Id = Intake.MessageId(gemeente, draft.Header);
            var plan = EigenBijdragePlanner.Plan(state, _cak.Policies.For(gemeente), _cak.Tariffs, today, wmo405Id, _time.GetUtcNow());
            if (!plan.IsEmpty)
            {
                var wmo405 = draft with { Client = draft.Client with { Perioden = plan.Lines } };
                var doc = IwmoXml.Write(wmo405);
                outbox.Add(new OutboxItem(OutboxItem.Wmo405, Routing.Cak, wmo405Id, MessageCatalog.Wmo405.Name, today, cause,
                    Encoding.UTF8.GetBytes(doc.Declaration + doc.ToString(SaveOptions.DisableFormatting))));
                state = state with { Cak = plan.Cak };
            }
        }

        return outcome with { State = state, Outbox = outbox };
    }

    /// <summary>
    /// The deadlines the change touched: those of the chain before it (each may now hold, or have moved) and after it
    /// (new ones). Their due-index rows get the new chain's copy, which the scan evaluates on their day.
    /// </summary>
    private ChainOutcome Deadlines(ChainState before, ChainOutcome outcome, string personId)
    {
        if (_due is null || _detection is null || _cak is null)
        {
            return outcome;
        }

        var today = Today();
        var policy = _cak.Policies.For(outcome.State.Gemeente);
        var old = Detection.DueRules.For(personId, before, policy, _cak.Tariffs, _detection.Calendar, today, _detection.StackThreshold).ToHashSet();
        var now = Detection.DueRules.For(personId, outcome.State, policy, _cak.Tariffs, _detection.Calendar, today, _detection.StackThreshold);
        return outcome with { Due = [.. old.Union(now)] };
    }

    /// <summary>Archives a WMO405 the ledger decided, registers it as a message of the gemeente, and queues it for the CAK.</summary>
    private async Task DispatchWmo405Async(OutboxItem item, string gemeente, string personId, DateTimeOffset decidedOn, CancellationToken ct)
    {
        var blobName = $"{gemeente}/{item.Dagtekening:yyyy/MM}/{item.Id:N}.xml";
        await _archive.PutAsync(blobName, item.Content!, "application/xml",
            new Dictionary<string, string> { ["bericht"] = item.Bericht, ["afzender"] = gemeente, ["id"] = item.Id.ToString("N") }, ct: ct);
        var header = IwmoXml.Read(IwmoXml.Load(item.Content!)).Header;
        // Registered and routed in one write: nothing routes a WMO405 but this (it is queued for the CAK right after).
        await _tracking.TryRegisterAsync(new MessageRecord(item.Id, item.Bericht, gemeente, Routing.Cak, header.BerichtIdentificatie.Identificatie,
            item.Dagtekening, blobName, decidedOn, personId, null, Queued: true),
            [new(MessageStatus.Routed, $"Afgeleid uit {item.Answers:N}", item.Answers)], [new MessageLink(item.Answers, "caused-by", string.Empty)], ct);
        await _cak!.Outbox.EnqueueAsync(item.Id, blobName, gemeente, header.BerichtIdentificatie.Identificatie, decidedOn, item.Answers, ct);
    }

    private static readonly HashSet<string> HistoryCodes = [ChainLedger.Code9019, ChainLedger.Code9063, ChainLedger.Code9069];

    private static ChainOutcome DeferIfEarly(ChainOutcome outcome, bool waiting) =>
        waiting && outcome.Findings.Any(f => HistoryCodes.Contains(f.RetourCode))
            ? throw new ChainDeferredException($"Wacht op eerdere berichten: {string.Join(", ", outcome.Findings.Select(f => f.RetourCode).Distinct())} nog niet definitief.")
            : outcome;

    private async Task ReceiptAlertsAsync(LedgerEntry entry, string personId, string gemeente, IIwmoMessage message, DateTimeOffset receivedOn, CancellationToken ct)
    {
        if (_alerts is null || _detection is null || message is not (Wmo305 or Wmo307 or Wmo301))
        {
            return;
        }

        var received = DutchTime.DateOf(receivedOn, _options.Zone);
        var bsn = MessageRules.Mask(Routing.Bsns(message)[0]);
        foreach (var e in entry.Events)
        {
            if (e.Kind == LedgerEventKinds.Start && e.Datum is { } begin && e.ToewijzingNummer is { } nummer)
            {
                var late = _detection.Calendar.Between(begin, received);
                if (late > 5)
                {
                    var key = $"{nummer}|{begin:yyyy-MM-dd}";
                    await _alerts.RaiseAsync(new Alert(Alerts.IdOf("R3-305-laat", personId + "|" + key, key), "R3-305-laat",
                        late > 20 ? AlertSeverity.Critical : AlertSeverity.Warning, AlertStatus.Open, message.Header.Afzender, personId + "|" + key, key, gemeente,
                        message.Header.Afzender, nummer, bsn, personId, _time.GetUtcNow(), receivedOn, null, null,
                        $"Het startbericht (WMO305) voor toewijzing {nummer} kwam {late} werkdagen na de start op {Alerts.Date(begin)} binnen; de norm is 5 werkdagen (OP271)."), ct);
                }
            }

            if (e.Kind == LedgerEventKinds.Stop && e.Einddatum is { } einde && e.ToewijzingNummer is { } gestopt)
            {
                // OP272: 5 working days after the end; for a definitive stop after a temporary one, from when it became
                // definitive, which the hub cannot see: then it is only "possibly late".
                var late = _detection.Calendar.Between(einde, received);
                if (late > 5)
                {
                    var afterTemporary = e.Reden != "20" && await WasTemporarilyStoppedAsync(personId, gestopt, e.Datum, ct);
                    var key = $"{gestopt}|{e.Datum:yyyy-MM-dd}|{e.Reden}";
                    await _alerts.RaiseAsync(new Alert(Alerts.IdOf("R3-307-laat", personId + "|" + key, key), "R3-307-laat",
                        late > 20 && !afterTemporary ? AlertSeverity.Critical : AlertSeverity.Warning, AlertStatus.Open, message.Header.Afzender, personId + "|" + key, key, gemeente,
                        message.Header.Afzender, gestopt, bsn, personId, _time.GetUtcNow(), receivedOn, null, null,
                        $"Het stopbericht (WMO307) voor toewijzing {gestopt} kwam {late} werkdagen na de einddatum {Alerts.Date(einde)} binnen; de norm is 5 werkdagen (OP272)"
                        + (afterTemporary ? ", gerekend vanaf de einddatum: na een tijdelijke stop telt de dag dat de stop definitief werd, dus mogelijk niet te laat." : ".")), ct);
                }
            }

            if (e.Kind == LedgerEventKinds.Toewijzing && e.Datum is { } ingang && message is Wmo301 toewijzing
                && toewijzing.Client.ToegewezenProducten.FirstOrDefault(p => p.ToewijzingNummer == e.ToewijzingNummer) is { } product
                && ingang < product.Toewijzingsdatum)
            {
                var months = ((received.Year - ingang.Year) * 12) + received.Month - ingang.Month;
                if (months >= 1)
                {
                    var key = $"{e.ToewijzingNummer}";
                    await _alerts.RaiseAsync(new Alert(Alerts.IdOf("R7", personId + "|" + key, key), "R7",
                        months > _detection.StackThreshold ? AlertSeverity.Critical : AlertSeverity.Warning, AlertStatus.Open, gemeente, personId + "|" + key, key,
                        gemeente, toewijzing.Header.Ontvanger, e.ToewijzingNummer, bsn, personId, _time.GetUtcNow(), receivedOn, months, null,
                        $"Toewijzing {e.ToewijzingNummer} is met terugwerkende kracht afgegeven: ingangsdatum {Alerts.Date(ingang)}, toegewezen op {Alerts.Date(product.Toewijzingsdatum)}. "
                        + $"Er liggen nu al {months} maanden achter; meld de start direct aan het CAK om een stapelfactuur te beperken."), ct);
                }
            }
        }
    }

    private async Task<bool> WasTemporarilyStoppedAsync(string personId, long toewijzing, DateOnly? begindatum, CancellationToken ct) =>
        await _ledger.GetStateAsync(personId, ct) is { } state && state.Stops.Any(s => s.Toewijzing == toewijzing && s.Begindatum == begindatum && s.Temporary);

    private async Task CakAnswerAlertsAsync(string personId, Guid wmo405, CancellationToken ct)
    {
        if (_alerts is null || await _ledger.GetStateAsync(personId, ct) is not { } state)
        {
            return;
        }

        // A start and a stop are answered separately: a rejected start means nothing is billed and months stack up;
        // a rejected stop means the CAK keeps billing after the end (over-billing it must refund later).
        var startsRejected = state.Cak.Where(c => c.MessageId == wmo405 && c.Status == CakPeriodState.Rejected).ToList();
        var stopsRejected = state.Cak.Where(c => c.StopMessageId == wmo405 && c.StopStatus == CakPeriodState.Rejected).ToList();
        var answered = state.Cak.Any(c => c.MessageId == wmo405 || c.StopMessageId == wmo405);
        var now = _time.GetUtcNow();
        if (startsRejected.Count > 0 || stopsRejected.Count > 0)
        {
            var parts = new List<string>();
            if (startsRejected.Count > 0)
            {
                var first = startsRejected.Min(c => c.Begindatum);
                parts.Add($"Het CAK heeft de start van de eigen bijdrage vanaf {Alerts.Date(first)} afgewezen (retourcode {string.Join(", ", startsRejected.SelectMany(c => c.Codes ?? []).Distinct())}); "
                    + "tot een gecorrigeerde melding is geaccepteerd int het CAK niets en stapelt de bijdrage op.");
            }

            foreach (var stop in stopsRejected)
            {
                parts.Add($"Het CAK heeft de stop van de eigen bijdrage per {Alerts.Date(stop.Einddatum!.Value)} (periode vanaf {Alerts.Date(stop.Begindatum)}) afgewezen "
                    + $"(retourcode {string.Join(", ", stop.StopCodes ?? [])}); tot een gecorrigeerde stop is geaccepteerd blijft het CAK de bijdrage innen en betaalt de cliënt te veel, "
                    + "wat het CAK later moet terugbetalen.");
            }

            var since = startsRejected.Select(c => c.Begindatum).Concat(stopsRejected.Select(c => c.Einddatum!.Value)).Min();
            await _alerts.RaiseAsync(new Alert(Alerts.IdOf(AlertRules.CakRejected, personId, wmo405.ToString("N")), AlertRules.CakRejected, AlertSeverity.Warning,
                AlertStatus.Open, state.Gemeente, personId, wmo405.ToString("N"), state.Gemeente, null, null, MessageRules.Mask(state.Bsn), personId,
                now, since.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc), null, null, string.Join(" ", parts)), ct);
        }
        else if (answered)
        {
            foreach (var earlier in state.Cak.Where(c => c.Codes is { Count: > 0 }).Select(c => c.MessageId)
                .Concat(state.Cak.Where(c => c.StopCodes is { Count: > 0 }).Select(c => c.StopMessageId!.Value)).Distinct())
            {
                await _alerts.ResolveAsync(state.Gemeente, Alerts.IdOf(AlertRules.CakRejected, personId, earlier.ToString("N")),
                    $"Gecorrigeerde melding {wmo405:N} is door het CAK geaccepteerd.", ct);
            }
        }

        await RealisedStackAlertsAsync(personId, state, wmo405, ct);
    }

    /// <summary>
    /// R8: a start the CAK accepted so late that the resident will get a stapelfactuur all the same. The size is what
    /// R1 computed on the acceptance day (months from the month after the start up to the acceptance month or the
    /// period's end, capped at the kostprijs). The gemeente informs the resident before the bill (VWS letter of
    /// 1 December 2015, §5); the CAK liaison sees it in the backlog.
    /// </summary>
    private async Task RealisedStackAlertsAsync(string personId, ChainState state, Guid wmo405, CancellationToken ct)
    {
        if (_alerts is null || _cak is null || _detection is null)
        {
            return;
        }

        foreach (var c in state.Cak.Where(c => c.MessageId == wmo405 && c.StartAccepted && c.AnsweredOn is not null))
        {
            var accepted = DutchTime.DateOf(c.AnsweredOn!.Value);
            var (months, cents, unknown) = StackEstimate.Of(c.Begindatum, c.Einddatum, accepted, c.Kostprijs, _cak.Tariffs);
            if (months < _detection.StackThreshold)
            {
                continue;
            }

            var key = c.Begindatum.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            await _alerts.RaiseAsync(new Alert(Alerts.IdOf(DueRules.RealisedStack, personId + "|" + key, key), DueRules.RealisedStack,
                months > _detection.StackThreshold ? AlertSeverity.Critical : AlertSeverity.Warning, AlertStatus.Open, state.Gemeente, personId + "|" + key, key,
                state.Gemeente, null, null, MessageRules.Mask(state.Bsn), personId, _time.GetUtcNow(), c.AnsweredOn, months, cents,
                $"Het CAK heeft de start van de eigen bijdrage (vanaf {Alerts.Date(c.Begindatum)}) op {Alerts.Date(accepted)} geaccepteerd. De cliënt krijgt daardoor één factuur over "
                + $"{months} maanden (€ {Scanner.Euro(cents)}" + (unknown.Count > 0 ? $", zonder {string.Join(", ", unknown)}: tarief onbekend" : string.Empty)
                + "). Informeer de cliënt voordat de rekening komt (brief via de knop Brief)."), ct);
        }
    }

    /// <summary>
    /// After the gemeente fixed what the CAK rejected (e.g. the person is now known at the CAK): the rejected periods
    /// are sent again in a new WMO405. Returns its id, or null when nothing was waiting.
    /// </summary>
    public async Task<Guid?> ResendToCakAsync(string personId, CancellationToken ct = default)
    {
        var state = await _ledger.GetStateAsync(personId, ct);
        if (state is null || _cak is null)
        {
            return null;
        }

        var cause = Guid.NewGuid();
        var now = _time.GetUtcNow();
        var request = new InboxMessage(cause, string.Empty, MessageCatalog.Wmo405.Name, state.Gemeente, now);
        var entry = await _ledger.ApplyAsync(personId, state.Gemeente, state.Bsn, cause, "opnieuw-naar-cak", now,
            s => Deadlines(s, Decide(new ChainOutcome(EigenBijdragePlanner.ForgetRejections(s),
                [new LedgerEvent(LedgerEventKinds.EigenBijdrage, "opnieuw-naar-cak", cause, now, Reden: "afgewezen perioden opnieuw aangeboden")], [], 0),
                request, personId, s.Gemeente), personId),
            ct);
        if (_deadlines is not null)
        {
            await _deadlines.SyncAsync(personId, entry.Due, entry.State, Today(), ct);
        }

        var wmo405 = entry.Outbox.FirstOrDefault(o => o.Kind == OutboxItem.Wmo405);
        if (wmo405 is not null)
        {
            await DispatchWmo405Async(wmo405, state.Gemeente, personId, entry.At, ct);
        }

        return wmo405?.Id;
    }

    /// <summary>The id of the retour the hub writes for a heenbericht: one per heenbericht, whatever the attempt.</summary>
    public static Guid HubRetourId(Guid heenId) => new(SHA256.HashData(Encoding.UTF8.GetBytes("hub-retour|" + heenId.ToString("N"))).AsSpan(0, 16));

    public static string HubRetourBlob(string party, Guid id, DateOnly dagtekening) => $"{HubParty}/{party}/{dagtekening:yyyy/MM}/{id:N}.xml";

    private async Task<IReadOnlyList<(string PersonId, string Bsn)>> PersonsAsync(IIwmoMessage message, string gemeente, MessageRecord? heen, CancellationToken ct)
    {
        var bsns = Routing.Bsns(message);
        if (bsns.Count > 0)
        {
            return [.. bsns.Select(b => (_ledger.PersonId(gemeente, b), b))];
        }

        // A WMO319 names no client, only the aanbieder's reference of the request it answers.
        if (message is Wmo319 antwoord)
        {
            return await _ledger.FindRequestAsync(antwoord.Header.Ontvanger, antwoord.Antwoord.ReferentieAanbieder, ct) is { } requester ? [(requester, string.Empty)] : [];
        }

        // A retour that approves everything echoes no client: it belongs to the person of its heenbericht.
        return heen?.Person is { } person ? [(person, string.Empty)] : [];
    }

    private static IEnumerable<string> Requests(IIwmoMessage message) => message switch
    {
        Wmo315 m => m.Client.AangevraagdeProducten.Select(p => p.ReferentieAanbieder).Distinct(),
        Wmo317 m => [m.Client.Verzoek.ReferentieAanbieder],
        _ => [],
    };

    private async Task DispatchRetourAsync(XDocument heenDoc, MessageRecord heen, OutboxItem item, IReadOnlyList<Finding> findings, CancellationToken ct)
    {
        var identificatie = RetourWriter.IdentificatieFor(IwmoXml.Read(heenDoc).Header);
        var retour = _retours.Write(heenDoc, new RetourVerdict(findings), identificatie, item.Dagtekening);
        var blobName = HubRetourBlob(item.To, item.Id, item.Dagtekening);
        var bytes = Encoding.UTF8.GetBytes(retour.Declaration + retour.ToString(SaveOptions.DisableFormatting));
        await _archive.PutAsync(blobName, bytes, "application/xml",
            new Dictionary<string, string> { ["bericht"] = item.Bericht, ["afzender"] = HubParty, ["id"] = item.Id.ToString("N") }, ct: ct);
        await _tracking.TryRegisterAsync(new MessageRecord(item.Id, item.Bericht, HubParty, item.To, identificatie,
            item.Dagtekening, blobName, _time.GetUtcNow(), heen.Person, heen.Id, Queued: true), ct: ct);
        await _mailboxes.DeliverAsync(item.To, item.Id, item.Bericht, HubParty, blobName, heen.Id, ct);
        await _tracking.RecordStepsAsync(item.Id, [new(MessageStatus.Delivered, item.To, null)], null, [new MessageLink(heen.Id, "answers", heen.Bericht)], ct);
        await _tracking.RecordStepsAsync(heen.Id, [new(MessageStatus.Answered, $"{item.Bericht} van de hub: {string.Join(", ", findings.Select(f => f.RetourCode).Distinct())}", item.Id)],
            null, [new MessageLink(item.Id, "answered-by", item.Bericht)], ct);
    }

    private DateOnly Today() => DutchTime.Today(_time, _options.Zone);
}
