using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Wmo.AzureStorage;
using Wmo.Messages;
using Wmo.Messages.Model;
using Wmo.Messages.Retour;

namespace Wmo.Hub;

/// <summary>What intake answered; the host maps each case to its HTTP status.</summary>
public abstract record IntakeResult
{
    /// <summary>Validated, archived and queued for routing (202). <see cref="Resumed"/>: an earlier attempt of the
    /// same message stopped half-way and this one completed it.</summary>
    public sealed record Accepted(Guid Id, MessageType Type, bool Resumed) : IntakeResult;

    /// <summary>Layer 1: not XML, hostile, unknown, too large, or schema-invalid (400/413). No retour, as in the chain.</summary>
    public sealed record SchemaRejected(IReadOnlyList<ValidationError> Errors) : IntakeResult
    {
        public bool TooLarge => Errors.Any(e => e.Code == SchemaErrorCodes.TooLarge);
    }

    /// <summary>Layer 2: rejected with a retour (422); the message counts as not sent.</summary>
    public sealed record RulesRejected(MessageType Type, XDocument Retour, IReadOnlyList<Finding> Findings) : IntakeResult;

    /// <summary>The caller may not send this message (403): another party's Afzender, or a role that does not send it.</summary>
    public sealed record NotAllowed(string Reason) : IntakeResult;

    /// <summary>Already received and queued (409): sender + BerichtIdentificatie + berichtsoort seen before.</summary>
    public sealed record Duplicate(Guid OriginalId, MessageType Type) : IntakeResult;
}

public sealed record IntakeOptions
{
    public const string ArchiveContainer = "berichten";
    public const string InboxQueue = "berichten-in";

    public TimeZoneInfo Zone { get; init; } = DutchTime.Zone;

    /// <summary>
    /// How long a message may wait for history that is still on its way before a chain rule that needs it (9019,
    /// 9063, 9069) rejects it. Messages sent moments apart can be routed in any order.
    /// </summary>
    public TimeSpan ChainGrace { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a waiting message stays invisible before routing tries it again.</summary>
    public TimeSpan ChainRetryDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The CBS list for S300; null = not checked (schemas/README.md, GemeenteCodes).</summary>
    public GemeenteCodes? Gemeenten { get; init; }

    /// <summary>
    /// How long an intake attempt that registered a message is presumed alive. Another post of the same message in
    /// that time waits for it (and is told duplicate once it queued the message); after it, the post takes over and
    /// completes the message, as after a crash.
    /// </summary>
    public TimeSpan IntakeClaim { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The queue intake writes to; only tests change it (the RouteBericht trigger listens on <see cref="InboxQueue"/>).</summary>
    internal string InboxQueueName { get; init; } = InboxQueue;
}

/// <summary>
/// What the inbox queue carries: the reference to the archived XML (claim check) and, for a message small enough to
/// ride along (<see cref="MaxCarriedXml"/>, nearly every iWmo message), a copy of the XML, which saves routing a blob
/// read per message. The archive stays the record; routing reads it when the copy is absent.
/// </summary>
/// <param name="ReceivedOn">When intake received it (null in references queued before this field existed).</param>
/// <param name="Replayed">Sent again from the poison list by an operator.</param>
/// <param name="Xml">The archived bytes, or null.</param>
public sealed record InboxMessage(Guid Id, string Blob, string Bericht, string Afzender, DateTimeOffset? ReceivedOn = null, bool Replayed = false, byte[]? Xml = null)
{
    /// <summary>A queue message holds 64 KiB after base64: 32 KiB of XML, base64 in JSON and base64 again, stays under it.</summary>
    public const int MaxCarriedXml = 32 * 1024;
}

/// <summary>
/// Intake, the first step of every message: validate (layers 1 and 2), check the caller may send it, dedupe on
/// sender + berichtsoort + Identificatie + Dagtekening (TR056/9056), archive the XML, and queue a reference for
/// routing. The message id is derived from the dedupe key. Of concurrent posts of one message exactly one registers it
/// (insert-if-absent) and is accepted; the others wait for it and are told duplicate. A post finding a registration
/// that was never queued and whose claim ran out (its attempt crashed) completes it, but only with byte-identical XML
/// (the registered SHA-256) and only one such resumer at a time (an ETag-conditional claim).
/// </summary>
public sealed class Intake
{
    private readonly MessageValidator _validator;
    private readonly RetourWriter _retours;
    private readonly Tracking _tracking;
    private readonly Mailboxes _mailboxes;
    private readonly BlobContainerClient _archive;
    private readonly QueueClient _inbox;
    private readonly IntakeOptions _options;
    private readonly TimeProvider _time;

    public Intake(StorageClients storage, Tracking tracking, Mailboxes mailboxes, SchemaRegistry schemas, IntakeOptions options, TimeProvider time)
    {
        _tracking = tracking;
        _mailboxes = mailboxes;
        _validator = new MessageValidator(schemas);
        _retours = new RetourWriter(schemas);
        _archive = storage.GetBlobContainer(IntakeOptions.ArchiveContainer);
        _inbox = storage.GetQueue(options.InboxQueueName);
        _options = options;
        _time = time;
    }

    public async Task EnsureStorageAsync(CancellationToken ct = default)
    {
        await _tracking.EnsureTableAsync(ct);
        await _mailboxes.EnsureTableAsync(ct);
        await _archive.CreateIfNotExistsAsync(cancellationToken: ct);
        await _inbox.CreateIfNotExistsAsync(cancellationToken: ct);
    }

    public async Task<IntakeResult> ReceiveAsync(Caller caller, byte[] xml, CancellationToken ct = default)
    {
        var validation = _validator.Validate(xml);
        if (!validation.IsValid)
        {
            return new IntakeResult.SchemaRejected(validation.Errors);
        }

        var type = validation.MessageType!;
        var doc = IwmoXml.Load(xml);
        var message = IwmoXml.Read(doc);
        var sender = Routing.Sender(message);
        if (caller.SendsAs != type.Sender)
        {
            return new IntakeResult.NotAllowed($"A caller with role {caller.Role} does not send {type} (sent by a {type.Sender}).");
        }

        if (!string.Equals(sender, caller.Party, StringComparison.Ordinal))
        {
            return new IntakeResult.NotAllowed($"This {type} is from {sender}; you are {caller.Party}. A party sends only as itself.");
        }

        var today = DutchTime.Today(_time, _options.Zone);
        if (!type.IsRetour && type.AnswersTo is null)
        {
            var verdict = MessageRules.Evaluate(message, today, _options.Gemeenten);
            if (verdict.HeaderFindings.Any())
            {
                var identificatie = RetourWriter.IdentificatieFor(message.Header);
                var retour = message is Wmo323 declaratie
                    ? IwmoXml.Write(DeclaratieAntwoordWriter.Answer(declaratie, verdict, identificatie, today))
                    : _retours.Write(doc, verdict, identificatie, today);
                await DeliverRejectionAsync(sender, MessageCatalog.AnswerTo(type)!, retour, today, ct);
                return new IntakeResult.RulesRejected(type, retour, verdict.Findings);
            }
        }

        return await StoreAsync(type, message, sender, xml, ct);
    }

    /// <summary>The dedupe key of TR056: per sender and berichtsoort, Identificatie + Dagtekening.</summary>
    public static string DedupeKey(string sender, Header header) =>
        $"{sender}|{header.BerichtCode}|{header.BerichtIdentificatie.Identificatie}|{header.BerichtIdentificatie.Dagtekening:yyyy-MM-dd}";

    public static Guid MessageId(string sender, Header header)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(DedupeKey(sender, header)));
        return new Guid(hash.AsSpan(0, 16));
    }

    private async Task<IntakeResult> StoreAsync(MessageType type, IIwmoMessage message, string sender, byte[] xml, CancellationToken ct)
    {
        var header = message.Header;
        var id = MessageId(sender, header);
        var blob = $"{sender}/{header.BerichtIdentificatie.Dagtekening:yyyy/MM}/{id:N}.xml";
        var hash = Convert.ToHexStringLower(SHA256.HashData(xml));
        var record = new MessageRecord(id, type.Name, sender, Routing.Addressee(message), header.BerichtIdentificatie.Identificatie,
            header.BerichtIdentificatie.Dagtekening, blob, _time.GetUtcNow(), Person: null, Routing.AnswersId(message), Queued: false,
            hash, Wall.GetUtcNow() + _options.IntakeClaim);
        var resumed = false;
        if (!await _tracking.TryRegisterAsync(record, ct: ct))
        {
            if (!await TryResumeAsync(id, hash, ct))
            {
                return new IntakeResult.Duplicate(id, type);
            }

            resumed = true;
        }

        // Archive before anything points at it (claim check): the queue only ever references an existing blob. A
        // resumer writes the same bytes (its hash matched), so overwriting a blob a crashed attempt left is harmless.
        await _archive.PutAsync(blob, xml, "application/xml",
            new Dictionary<string, string> { ["bericht"] = type.Name, ["afzender"] = sender, ["id"] = id.ToString("N") }, ct: ct);
        await _inbox.SendAsync(JsonSerializer.Serialize(new InboxMessage(id, blob, type.Name, sender, record.ReceivedOn,
            Xml: xml.Length <= InboxMessage.MaxCarriedXml ? xml : null)), ct: ct);
        await _tracking.MarkQueuedAsync(id, ct);
        return new IntakeResult.Accepted(id, type, resumed);
    }

    // Claims are about live requests, not the domain's date (a test or demo clock may stand still or jump).
    private static readonly TimeProvider Wall = TimeProvider.System;

    /// <summary>
    /// Another post registered this message. True when this post has taken over its unfinished intake; false when it is
    /// a duplicate: queued already (now or after waiting for a live attempt), or registered with other XML.
    /// </summary>
    private async Task<bool> TryResumeAsync(Guid id, string hash, CancellationToken ct)
    {
        var giveUp = Wall.GetUtcNow() + _options.IntakeClaim + TimeSpan.FromSeconds(5);
        while (true)
        {
            var (known, etag) = await _tracking.GetForClaimAsync(id, ct)
                ?? throw new InvalidOperationException($"Message {id:N} is registered but its record cannot be read.");

            // Another body under the same BerichtIdentificatie is a duplicate per TR056: it never replaces the first.
            if (known.Queued || (known.BodyHash is { } registered && registered != hash))
            {
                return false;
            }

            var now = Wall.GetUtcNow();
            if (known.ClaimedUntil is not { } until || until <= now)
            {
                if (await _tracking.TryClaimAsync(id, etag, now + _options.IntakeClaim, ct))
                {
                    return true;
                }

                continue; // another resumer won the claim: wait for it like for the first attempt
            }

            if (now > giveUp)
            {
                throw new TimeoutException($"Message {id:N} is still being taken in by another request.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), Wall, ct);
        }
    }

    /// <summary>
    /// A layer-2 rejection's retour also goes to the sender's mailbox, like any retour. Its id hashes the retour's
    /// content, so posting the same rejected message again does not fill the mailbox with copies.
    /// </summary>
    private async Task DeliverRejectionAsync(string sender, MessageType retourType, XDocument retour, DateOnly today, CancellationToken ct)
    {
        var bytes = Encoding.UTF8.GetBytes(retour.Declaration + retour.ToString(SaveOptions.DisableFormatting));
        var id = new Guid(SHA256.HashData([.. Encoding.UTF8.GetBytes("intake-retour|" + sender + "|"), .. bytes]).AsSpan(0, 16));
        var blob = Router.HubRetourBlob(sender, id, today);
        await _archive.PutAsync(blob, bytes, "application/xml",
            new Dictionary<string, string> { ["bericht"] = retourType.Name, ["afzender"] = Router.HubParty, ["id"] = id.ToString("N") }, ct: ct);
        await _tracking.TryRegisterAsync(new MessageRecord(id, retourType.Name, Router.HubParty, sender, string.Empty, today, blob, _time.GetUtcNow(), null, null, Queued: true), ct: ct);
        await _mailboxes.DeliverAsync(sender, id, retourType.Name, Router.HubParty, blob, null, ct);
        await _tracking.RecordAsync(id, MessageStatus.Delivered, sender, ct: ct);
    }
}
