using Wmo.Messages;
using Wmo.Messages.Model;

namespace Wmo.Hub;

/// <summary>Who a message is from, who it is for, which gemeente and persons it concerns, and what it answers.</summary>
public static class Routing
{
    /// <summary>The CAK is one party, whatever instantie code a WMO405 header names it by.</summary>
    public const string Cak = "CAK";

    /// <summary>
    /// The party that actually sends the message: a retour's header is the heenbericht's, unchanged (IV028), so its
    /// sender is the header's Ontvanger; every other message is sent by its Afzender.
    /// </summary>
    public static string Sender(IIwmoMessage message) =>
        message.Type.Sender == PartyKind.Cak ? Cak : message.Type.IsRetour ? message.Header.Ontvanger : message.Header.Afzender;

    /// <summary>
    /// The mailbox a message goes to: gemeente ← 302, 305, 307, 315, 317, 320, 323, 406, 408; aanbieder ← 301, 306,
    /// 308, 316, 318, 319, 325; CAK ← 405, 407. A retour goes back to the heenbericht's Afzender.
    /// </summary>
    public static string Addressee(IIwmoMessage message) =>
        message.Type.Receiver == PartyKind.Cak ? Cak : message.Type.IsRetour ? message.Header.Afzender : message.Header.Ontvanger;

    /// <summary>The gemeente whose chain the message belongs to (the key of the ledger with the client).</summary>
    public static string Gemeente(IIwmoMessage message)
    {
        var heenSender = message.Type.AnswersTo is { } heen && message.Type.IsRetour
            ? MessageCatalog.FindByName(heen)!.Sender
            : message.Type.Sender;
        // The header's Afzender is the heenbericht's sender for a retour, and the sender otherwise.
        return heenSender == PartyKind.Gemeente ? message.Header.Afzender : message.Header.Ontvanger;
    }

    /// <summary>The BSNs of the persons the message names (a retour: those of the classes it echoes).</summary>
    public static IReadOnlyList<string> Bsns(IIwmoMessage message) => message switch
    {
        Wmo325 m => [.. (m.Antwoord?.Clienten ?? []).Select(c => c.Bsn).Distinct()],
        RetourBericht r => [.. r.Classes.Where(c => c.ClassName == "Client" && c.Values.ContainsKey("Bsn")).Select(c => c.Values["Bsn"]).Distinct()],
        _ => [.. Wmo.Messages.Retour.MessageRules.Bsns(message).Distinct()],
    };

    /// <summary>
    /// The id of the message this one answers, computed from business keys alone (no lookup): a retour carries the
    /// heenbericht's header, a WMO325 its DeclaratieIdentificatie. Null for a heenbericht.
    /// </summary>
    public static Guid? AnswersId(IIwmoMessage message)
    {
        if (message.Type.AnswersTo is not { } heenName)
        {
            return null;
        }

        var heen = MessageCatalog.FindByName(heenName)!;
        var header = message switch
        {
            Wmo325 m => m.Header with { BerichtCode = heen.BerichtCode, Afzender = m.Header.Ontvanger, Ontvanger = m.Header.Afzender, BerichtIdentificatie = m.DeclaratieIdentificatie },
            _ => message.Header with { BerichtCode = heen.BerichtCode },
        };
        var sender = heen.Sender == PartyKind.Cak ? Cak : header.Afzender;
        return Intake.MessageId(sender, header);
    }
}
