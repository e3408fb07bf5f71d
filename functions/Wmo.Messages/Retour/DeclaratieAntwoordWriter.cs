using Wmo.Messages.Model;

namespace Wmo.Messages.Retour;

/// <summary>
/// Answers a WMO323 with a WMO325 (OP090x4, JJ-IV087): the gemeente's own header (Afzender and Ontvanger swapped
/// relative to the 323) linked through DeclaratieIdentificatie; a technical or header rejection is the header
/// alone with its codes; otherwise header 0200 and a DeclaratieAntwoord with the awarded total, 8001 when every
/// prestatie is approved, or 0200 with the rejected clients and only their rejected prestaties, each with its codes.
/// </summary>
public static class DeclaratieAntwoordWriter
{
    public static Wmo325 Answer(Wmo323 heen, RetourVerdict verdict, string identificatie, DateOnly dagtekening)
    {
        var header = new Header(MessageCatalog.Wmo325.BerichtCode, 3, 2, heen.Header.Ontvanger, heen.Header.Afzender,
            new BerichtIdentificatie(identificatie, dagtekening), new XsdVersie(RetourWriter.XsdVersie, RetourWriter.XsdVersie));
        var headerCodes = verdict.HeaderFindings.Select(f => f.RetourCode).Distinct().ToList();
        if (headerCodes.Count > 0)
        {
            return new Wmo325(header, heen.Header.BerichtIdentificatie, null, heen.Header.XsdVersie, headerCodes, null);
        }

        var codes = verdict.ClassFindings.ToLookup(f => f.Location!, f => f.RetourCode);
        var rejected = new List<AntwoordClient>();
        long awarded = 0;
        var clients = heen.Declaratie.Clienten;
        for (var c = 0; c < clients.Count; c++)
        {
            var rejectedPrestaties = new List<AntwoordPrestatie>();
            for (var i = 0; i < clients[c].Prestaties.Count; i++)
            {
                var prestatie = clients[c].Prestaties[i];
                var found = codes[PrestatieLocation(c, i)].Distinct().ToList();
                if (found.Count == 0)
                {
                    awarded += prestatie.IngediendBedrag.Signed;
                }
                else
                {
                    rejectedPrestaties.Add(new AntwoordPrestatie(prestatie, found));
                }
            }

            if (rejectedPrestaties.Count > 0)
            {
                rejected.Add(new AntwoordClient(clients[c].Bsn, rejectedPrestaties, [RetourCodes.GeenOpmerking]));
            }
        }

        var antwoord = new DeclaratieAntwoord(
            heen.Declaratie.DeclaratieNummer,
            heen.Declaratie.TotaalIngediendBedrag,
            new BedragMetDC(Math.Abs(awarded), awarded < 0 ? "C" : "D"),
            rejected,
            [rejected.Count == 0 ? RetourCodes.VolledigToegewezen : RetourCodes.GeenOpmerking]);
        return new Wmo325(header, heen.Header.BerichtIdentificatie, null, heen.Header.XsdVersie, [RetourCodes.GeenOpmerking], antwoord);
    }

    /// <summary>Where <see cref="MessageRules"/> and the chain ledger put findings on a prestatie of a WMO323.</summary>
    public static string PrestatieLocation(int client, int prestatie) =>
        $"/Bericht/Declaratie/Clienten/{Indexed("Client", client)}/Prestaties/{Indexed("Prestatie", prestatie)}";

    private static string Indexed(string name, int index) => index == 0 ? name : $"{name}[{index + 1}]";
}
