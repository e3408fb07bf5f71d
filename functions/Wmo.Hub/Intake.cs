using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Wmo.Messages;
using Wmo.Messages.Model;
using Wmo.Messages.Retour;
using Wmo.Storage;

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
    public const string ReceiptsTable = "ontvangsten";

    public TimeZoneInfo Zone { get; init; } = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");

    /// <summary>The CBS list for S300; null = not checked (schemas/README.md, GemeenteCodes).</summary>
    public GemeenteCodes? Gemeenten { get; init; }
}

/// <summary>The reference the inbox queue carries (claim check): the XML itself stays in the archive blob.</summary>
public sealed record InboxMessage(Guid Id, string Blob, string Bericht, string Afzender);

/// <summary>
/// Intake, the first step of every message: validate (layers 1 and 2), check the caller may send it, dedupe on
/// sender + berichtsoort + Identificatie + Dagtekening (TR056/9056), archive the XML, and queue a reference for
/// routing. The message id is derived from the dedupe key, so every attempt of the same message writes the same
/// rows and blob; the receipt's state says whether it was queued, so a crash half-way is completed by the retry
/// instead of being refused as a duplicate.
/// </summary>
public sealed class Intake
{
    private readonly MessageValidator _validator;
    private readonly RetourWriter _retours;
    private readonly TableClient _receipts;
    private readonly BlobContainerClient _archive;
    private readonly QueueClient _inbox;
    private readonly IntakeOptions _options;
    private readonly TimeProvider _time;

    public Intake(StorageClient storage, SchemaRegistry schemas, IntakeOptions options, TimeProvider time)
    {
        _validator = new MessageValidator(schemas);
        _retours = new RetourWriter(schemas);
        _receipts = storage.GetTable(IntakeOptions.ReceiptsTable);
        _archive = storage.GetBlobContainer(IntakeOptions.ArchiveContainer);
        _inbox = storage.GetQueue(IntakeOptions.InboxQueue);
        _options = options;
        _time = time;
    }

    public async Task EnsureStorageAsync(CancellationToken ct = default)
    {
        await _receipts.CreateIfNotExistsAsync(ct);
        await _archive.CreateIfNotExistsAsync(ct);
        await _inbox.CreateIfNotExistsAsync(ct);
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
        var sender = TransmittingParty(message);
        if (caller.SendsAs != type.Sender)
        {
            return new IntakeResult.NotAllowed($"A caller with role {caller.Role} does not send {type} (sent by a {type.Sender}).");
        }

        if (!string.Equals(sender, caller.Party, StringComparison.Ordinal))
        {
            return new IntakeResult.NotAllowed($"This {type} is from {sender}; you are {caller.Party}. A party sends only as itself.");
        }

        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(_time.GetUtcNow(), _options.Zone).DateTime);
        if (!type.IsRetour && type.AnswersTo is null)
        {
            var verdict = MessageRules.Evaluate(message, today, _options.Gemeenten);
            if (verdict.HeaderFindings.Any())
            {
                var identificatie = RetourWriter.IdentificatieFor(message.Header);
                var retour = message is Wmo323 declaratie
                    ? IwmoXml.Write(DeclaratieAntwoordWriter.Answer(declaratie, verdict, identificatie, today))
                    : _retours.Write(doc, verdict, identificatie, today);
                return new IntakeResult.RulesRejected(type, retour, verdict.Findings);
            }
        }

        return await StoreAsync(type, message.Header, sender, xml, ct);
    }

    /// <summary>
    /// Who actually sends the message: a retour's header is the heenbericht's, unchanged (IV028), so its sender is the
    /// header's Ontvanger; every other message is sent by its Afzender.
    /// </summary>
    public static string TransmittingParty(IIwmoMessage message) =>
        message.Type.IsRetour ? message.Header.Ontvanger : message.Header.Afzender;

    /// <summary>The dedupe key of TR056: per sender and berichtsoort, Identificatie + Dagtekening.</summary>
    public static (string PartitionKey, string RowKey) DedupeKey(string sender, Header header) =>
        (sender, $"{header.BerichtCode}|{header.BerichtIdentificatie.Identificatie}|{header.BerichtIdentificatie.Dagtekening:yyyy-MM-dd}");

    public static Guid MessageId(string sender, Header header)
    {
        var (pk, rk) = DedupeKey(sender, header);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(pk + "|" + rk));
        return new Guid(hash.AsSpan(0, 16));
    }

    private async Task<IntakeResult> StoreAsync(MessageType type, Header header, string sender, byte[] xml, CancellationToken ct)
    {
        var (pk, rk) = DedupeKey(sender, header);
        var id = MessageId(sender, header);
        var blob = $"{sender}/{header.BerichtIdentificatie.Dagtekening:yyyy/MM}/{id:N}.xml";
        var receipt = new TableEntity(TableKey.Escape(pk), TableKey.Escape(rk))
        {
            ["Id"] = id,
            ["Bericht"] = type.Name,
            ["Blob"] = blob,
            ["State"] = "Received",
            ["ReceivedOn"] = _time.GetUtcNow(),
        };
        var resumed = false;
        if (!(await _receipts.InsertIfAbsentAsync(receipt, ct)).Inserted)
        {
            var existing = await _receipts.GetAsync(receipt.PartitionKey, receipt.RowKey, ct);
            if (existing?.GetString("State") == "Queued")
            {
                return new IntakeResult.Duplicate(id, type);
            }

            resumed = true;
        }

        // Archive before anything points at it (claim check): the queue only ever references an existing blob.
        await _archive.PutAsync(blob, xml, "application/xml",
            new Dictionary<string, string> { ["bericht"] = type.Name, ["afzender"] = sender, ["id"] = id.ToString("N") }, ct: ct);
        await _inbox.SendAsync(JsonSerializer.Serialize(new InboxMessage(id, blob, type.Name, sender)), ct: ct);
        var queued = new TableEntity(receipt.PartitionKey, receipt.RowKey) { ["State"] = "Queued", ["QueuedOn"] = _time.GetUtcNow() };
        await _receipts.UpsertAsync(queued, TableUpdateMode.Merge, ct);
        return new IntakeResult.Accepted(id, type, resumed);
    }
}
