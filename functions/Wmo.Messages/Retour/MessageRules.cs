using Wmo.Messages.Model;

namespace Wmo.Messages.Retour;

/// <summary>
/// Layer 2 of the chain's validation: rules a single, schema-valid message must meet, answered with a retour.
/// Technical rules (in the chain checked by XSLT) reject the whole message with 0001 in the header; header rules
/// give their own code (8848). Rules that need earlier messages (9019, 9063, 9069, 9326, 9413–9415, …) are the
/// chain ledger's. Identificatie uniqueness (9056) is checked at intake, where the history is.
/// </summary>
public static class MessageRules
{
    /// <param name="today">The receiving system's date (Dutch time): the reference for TR135.</param>
    /// <param name="gemeenten">The CBS list for TR378 (S300); without it that rule is not checked.</param>
    public static RetourVerdict Evaluate(IIwmoMessage message, DateOnly today, GemeenteCodes? gemeenten = null)
    {
        var findings = new List<Finding>();
        var header = message.Header;
        if (header.BerichtIdentificatie.Dagtekening > today)
        {
            findings.Add(new Finding(RetourCodes.DagtekeningInToekomst, "TR135",
                $"Dagtekening {header.BerichtIdentificatie.Dagtekening:yyyy-MM-dd} ligt na de systeemdatum {today:yyyy-MM-dd}."));
        }

        var gemeente = message.Type.Sender == PartyKind.Gemeente ? header.Afzender : header.Ontvanger;
        if (gemeenten is not null && !gemeenten.IsValid(gemeente, header.BerichtIdentificatie.Dagtekening))
        {
            findings.Add(new Finding(RetourCodes.GemeentecodeOngeldig, "TR378",
                $"Gemeentecode {gemeente} bestond niet op de dagtekening {header.BerichtIdentificatie.Dagtekening:yyyy-MM-dd} (CBS-lijst)."));
        }

        foreach (var (rule, problem) in TechnicalProblems(message))
        {
            findings.Add(new Finding(RetourCodes.TechnischAfgekeurd, rule, problem));
        }

        findings.AddRange(ClassProblems(message));
        return new RetourVerdict(findings);
    }

    /// <summary>The BSN check digit test (elfproef): 9·d1 + 8·d2 + … + 2·d8 − d9 is a multiple of 11, and not 0.</summary>
    public static bool IsValidBsn(string bsn)
    {
        if (bsn.Length != 9 || !bsn.All(char.IsAsciiDigit))
        {
            return false;
        }

        var sum = 0;
        for (var i = 0; i < 8; i++)
        {
            sum += (9 - i) * (bsn[i] - '0');
        }

        sum -= bsn[8] - '0';
        return sum % 11 == 0 && bsn != "000000000";
    }

    private static IEnumerable<(string Rule, string Problem)> TechnicalProblems(IIwmoMessage message)
    {
        foreach (var bsn in Bsns(message).Where(b => !IsValidBsn(b)))
        {
            yield return ("BSN-elfproef", $"Bsn {Mask(bsn)} voldoet niet aan de elfproef.");
        }

        switch (message)
        {
            case Wmo301 m:
                foreach (var p in m.Client.ToegewezenProducten.Where(p => p.Einddatum < p.Ingangsdatum))
                {
                    yield return ("Einddatum>=Ingangsdatum", $"ToegewezenProduct {p.ToewijzingNummer}: Einddatum {p.Einddatum:yyyy-MM-dd} ligt voor Ingangsdatum {p.Ingangsdatum:yyyy-MM-dd}.");
                }

                break;
            case Wmo305 m:
                foreach (var p in m.Client.StartProducten.Where(p => !AllowedStatus(p.StatusAanlevering)))
                {
                    yield return ("OP033x2", $"StartProduct met Begindatum {p.Begindatum:yyyy-MM-dd}: StatusAanlevering {p.StatusAanlevering} is niet toegestaan (alleen 1 of 3; corrigeren is verwijderen en opnieuw aanleveren).");
                }

                break;
            case Wmo307 m:
                foreach (var p in m.Client.StopProducten)
                {
                    if (p.Einddatum < p.Begindatum)
                    {
                        yield return ("Einddatum>=Begindatum", $"StopProduct met Begindatum {p.Begindatum:yyyy-MM-dd}: Einddatum {p.Einddatum:yyyy-MM-dd} ligt voor de Begindatum.");
                    }

                    if (!AllowedStatus(p.StatusAanlevering))
                    {
                        yield return ("OP033x2", $"StopProduct met Begindatum {p.Begindatum:yyyy-MM-dd}: StatusAanlevering {p.StatusAanlevering} is niet toegestaan (alleen 1 of 3).");
                    }
                }

                break;
            case Wmo315 m:
                foreach (var p in m.Client.AangevraagdeProducten.Where(p => p.ToewijzingEinddatum < p.ToewijzingIngangsdatum))
                {
                    yield return ("Einddatum>=Ingangsdatum", $"AangevraagdProduct {p.ReferentieAanbieder}: ToewijzingEinddatum ligt voor ToewijzingIngangsdatum.");
                }

                break;
            case Wmo317 m:
                foreach (var p in m.Client.Verzoek.TeWijzigenProducten.Where(p => p.Einddatum < p.GewensteIngangsdatum))
                {
                    yield return ("Einddatum>=Ingangsdatum", $"TeWijzigenProduct {p.ToewijzingNummer}: Einddatum ligt voor GewensteIngangsdatum.");
                }

                foreach (var p in m.Client.Verzoek.NieuweProducten.Where(p => p.Einddatum < p.GewensteIngangsdatum))
                {
                    yield return ("Einddatum>=Ingangsdatum", $"NieuwProduct: Einddatum {p.Einddatum:yyyy-MM-dd} ligt voor GewensteIngangsdatum {p.GewensteIngangsdatum:yyyy-MM-dd}.");
                }

                break;
            case Wmo323 m:
                var d = m.Declaratie;
                if (d.DeclaratiePeriode.Einddatum < d.DeclaratiePeriode.Begindatum)
                {
                    yield return ("Einddatum>=Begindatum", "DeclaratiePeriode: Einddatum ligt voor Begindatum.");
                }

                var sum = d.Clienten.SelectMany(c => c.Prestaties).Sum(p => p.IngediendBedrag.Signed);
                if (sum != d.TotaalIngediendBedrag.Signed)
                {
                    yield return ("TotaalIngediendBedrag", $"TotaalIngediendBedrag {d.TotaalIngediendBedrag.Signed} cent is niet de som van de ingediende bedragen ({sum} cent).");
                }

                foreach (var p in d.Clienten.SelectMany(c => c.Prestaties).Where(p => p.ProductPeriode.Einddatum < p.ProductPeriode.Begindatum))
                {
                    yield return ("Einddatum>=Begindatum", $"Prestatie {p.ProductReferentie.ReferentieNummer}: ProductPeriode eindigt voor zij begint.");
                }

                break;
        }
    }

    /// <summary>Content rules on a class of a declaration (answered in the WMO325, per prestatie).</summary>
    private static IEnumerable<Finding> ClassProblems(IIwmoMessage message)
    {
        if (message is not Wmo323 m)
        {
            yield break;
        }

        var clients = m.Declaratie.Clienten;
        for (var c = 0; c < clients.Count; c++)
        {
            for (var i = 0; i < clients[c].Prestaties.Count; i++)
            {
                var p = clients[c].Prestaties[i];
                var location = DeclaratieAntwoordWriter.PrestatieLocation(c, i);
                if (p.ProductPeriode.Begindatum < m.Declaratie.DeclaratiePeriode.Begindatum || p.ProductPeriode.Einddatum > m.Declaratie.DeclaratiePeriode.Einddatum)
                {
                    yield return new Finding(RetourCodes.ProductPeriodeBuitenDeclaratiePeriode, "TR319", "De ProductPeriode valt niet geheel binnen de DeclaratiePeriode.", location);
                }

                // TR346: outside euro-products (Eenheid 83) the amount is volume × unrounded tariff.
                if (p.Eenheid != "83" && p.ProductTarief is { } tarief && p.IngediendBedrag.Bedrag != p.GeleverdVolume * tarief)
                {
                    yield return new Finding(RetourCodes.BedragNietVolumeMaalTarief, "TR346",
                        $"IngediendBedrag {p.IngediendBedrag.Bedrag} is niet GeleverdVolume {p.GeleverdVolume} × ProductTarief {tarief}.", location);
                }
            }
        }
    }

    private static bool AllowedStatus(string status) => status is "1" or "3";

    /// <summary>The BSNs a heenbericht names (its clients).</summary>
    public static IEnumerable<string> Bsns(IIwmoMessage message) => message switch
    {
        Wmo301 m => [m.Client.Bsn],
        Wmo305 m => [m.Client.Bsn],
        Wmo307 m => [m.Client.Bsn],
        Wmo315 m => [m.Client.Bsn],
        Wmo317 m => [m.Client.Bsn],
        Wmo323 m => m.Declaratie.Clienten.Select(c => c.Bsn),
        Wmo405 m => [m.Client.Bsn],
        Wmo407 m => [m.Client.Bsn],
        _ => [],
    };

    /// <summary>BSNs never appear unmasked in findings (they end up in logs and problem details).</summary>
    public static string Mask(string bsn) => bsn.Length > 4 ? new string('*', bsn.Length - 4) + bsn[^4..] : "****";
}
