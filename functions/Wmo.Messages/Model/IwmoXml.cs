using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace Wmo.Messages.Model;

/// <summary>The XML of a message did not fit the model (only possible for input that skipped schema validation).</summary>
public sealed class MessageFormatException(string message) : Exception(message);

/// <summary>
/// Reads iWmo 3.2 (and the assumed iEb 4.0) messages into the model and writes the model back as XML with the same infoset: the same
/// elements, namespaces, order and values (message-level elements in the message namespace, the children of shared
/// composite types in the basisschema namespace, prefixes as the official examples use them). Input is expected to
/// be schema-valid (intake validates first); anything missing raises <see cref="MessageFormatException"/>.
/// </summary>
public static class IwmoXml
{
    private static readonly XNamespace B = MessageCatalog.BasisschemaNamespace;

    public static IIwmoMessage Read(XDocument doc)
    {
        var root = doc.Root ?? throw new MessageFormatException("Empty document.");
        var type = MessageCatalog.FindByNamespace(root.Name.NamespaceName)
            ?? throw new MessageFormatException($"'{root.Name}' is not an iWmo message.");
        XNamespace m = type.Namespace;
        var r = new In(root, m);
        var header = ReadHeader(r.Child("Header"));
        if (type.IsRetour)
        {
            return ReadRetour(type, root, r.Child("Header"), header);
        }

        return type.Name switch
        {
            "WMO301" => new Wmo301(header, Read301Client(r.Child("Client"))),
            "WMO305" => new Wmo305(header, Read305Client(r.Child("Client"))),
            "WMO307" => new Wmo307(header, Read307Client(r.Child("Client"))),
            "WMO315" => new Wmo315(header, Read315Client(r.Child("Client"))),
            "WMO317" => new Wmo317(header, Read317Client(r.Child("Client"))),
            "WMO319" => new Wmo319(header, ReadAntwoord(r.Child("Antwoord"))),
            "WMO323" => new Wmo323(header, ReadDeclaratie(r.Child("Declaratie"))),
            "WMO325" => Read325(r, header),
            "WMO405" => new Wmo405(header, ReadEigenBijdrageClient(r.Child("Client"))),
            "WMO407" => new Wmo407(header, ReadEigenBijdrageClient(r.Child("Client"))),
            _ => throw new MessageFormatException($"{type} has no typed model."),
        };
    }

    /// <summary>Reads a message from a stream with the same safe settings as validation (no DTD, nothing resolved).</summary>
    public static IIwmoMessage Read(Stream xml) => Read(Load(xml));

    /// <summary>Loads message XML as a document without DTD processing or resolving anything (no XXE).</summary>
    public static XDocument Load(Stream xml)
    {
        using var reader = XmlReader.Create(xml, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, CloseInput = false });
        return XDocument.Load(reader);
    }

    public static XDocument Load(byte[] xml) => Load(new MemoryStream(xml, writable: false));

    public static XDocument Write(IIwmoMessage message)
    {
        XNamespace m = message.Type.Namespace;
        var prefix = message.Type.Name.ToLowerInvariant();
        var o = new Out(m);
        object? body = message switch
        {
            Wmo301 x => Write301Client(o, x.Client),
            Wmo305 x => o.E("Client", ClientHead(o, x.Client.Bsn, x.Client.Geboortedatum, x.Client.Geslacht, VerkorteNaam(x.Client.Naam)),
                o.E("StartProducten", x.Client.StartProducten.Select(p => o.E("StartProduct",
                    o.Opt("ToewijzingNummer", p.ToewijzingNummer), Product(o, p.Product), o.Opt("ToewijzingIngangsdatum", p.ToewijzingIngangsdatum),
                    o.V("Begindatum", p.Begindatum), o.V("StatusAanlevering", p.StatusAanlevering))))),
            Wmo307 x => o.E("Client", ClientHead(o, x.Client.Bsn, x.Client.Geboortedatum, x.Client.Geslacht, VerkorteNaam(x.Client.Naam)),
                o.E("StopProducten", x.Client.StopProducten.Select(p => o.E("StopProduct",
                    o.Opt("ToewijzingNummer", p.ToewijzingNummer), Product(o, p.Product), o.Opt("ToewijzingIngangsdatum", p.ToewijzingIngangsdatum),
                    o.V("Begindatum", p.Begindatum), o.V("RedenBeeindiging", p.RedenBeeindiging), o.V("Einddatum", p.Einddatum),
                    o.V("StatusAanlevering", p.StatusAanlevering))))),
            Wmo315 x => o.E("Client", ClientHead(o, x.Client.Bsn, x.Client.Geboortedatum, x.Client.Geslacht, VerkorteNaam(x.Client.Naam)),
                o.Opt("Commentaar", x.Client.Commentaar),
                o.E("AangevraagdeProducten", x.Client.AangevraagdeProducten.Select(p => o.E("AangevraagdProduct",
                    o.V("ReferentieAanbieder", p.ReferentieAanbieder), o.Opt("BeschikkingNummer", p.BeschikkingNummer), Product(o, p.Product),
                    o.Opt("BeschikkingIngangsdatum", p.BeschikkingIngangsdatum), o.V("ToewijzingIngangsdatum", p.ToewijzingIngangsdatum),
                    o.Opt("ToewijzingEinddatum", p.ToewijzingEinddatum), Omvang(o, p.Omvang), o.Opt("Budget", p.Budget),
                    o.E("Verwijzer", Base("Type", p.Verwijzer.Type), BaseOpt("Naam", p.Verwijzer.Naam), BaseOpt("ZorgverlenerCode", p.Verwijzer.ZorgverlenerCode)),
                    o.Opt("Raamcontract", p.Raamcontract), o.Opt("Commentaar", p.Commentaar))))),
            Wmo317 x => o.E("Client", o.V("Bsn", x.Client.Bsn), o.E("Verzoek",
                o.V("ReferentieAanbieder", x.Client.Verzoek.ReferentieAanbieder), o.V("RedenVerzoek", x.Client.Verzoek.RedenVerzoek),
                o.Wrap("OngewijzigdeProducten", x.Client.Verzoek.OngewijzigdeProducten.Select(n => o.E("OngewijzigdProduct", o.V("ToewijzingNummer", n)))),
                o.Wrap("TeWijzigenProducten", x.Client.Verzoek.TeWijzigenProducten.Select(p => o.E("TeWijzigenProduct",
                    o.V("ToewijzingNummer", p.ToewijzingNummer), o.V("GewensteIngangsdatum", p.GewensteIngangsdatum),
                    o.Opt("Einddatum", p.Einddatum), Omvang(o, p.Omvang), o.Opt("Budget", p.Budget)))),
                o.Wrap("NieuweProducten", x.Client.Verzoek.NieuweProducten.Select(p => o.E("NieuwProduct",
                    Product(o, p.Product), o.V("GewensteIngangsdatum", p.GewensteIngangsdatum),
                    o.Opt("Einddatum", p.Einddatum), Omvang(o, p.Omvang), o.Opt("Budget", p.Budget)))))),
            Wmo319 x => o.E("Antwoord", o.V("ReferentieAanbieder", x.Antwoord.ReferentieAanbieder), o.V("VerzoekAntwoord", x.Antwoord.VerzoekAntwoord),
                o.Opt("RedenAfwijzingVerzoek", x.Antwoord.RedenAfwijzingVerzoek)),
            Wmo323 x => o.E("Declaratie", o.V("DeclaratieNummer", x.Declaratie.DeclaratieNummer),
                o.E("DeclaratiePeriode", Periode(x.Declaratie.DeclaratiePeriode)), o.V("DeclaratieDagtekening", x.Declaratie.DeclaratieDagtekening),
                o.E("TotaalIngediendBedrag", Base("TotaalBedrag", x.Declaratie.TotaalIngediendBedrag.Bedrag), Base("DebetCredit", x.Declaratie.TotaalIngediendBedrag.DebetCredit)),
                o.E("Clienten", x.Declaratie.Clienten.Select(c => o.E("Client", o.V("Bsn", c.Bsn),
                    o.E("Prestaties", c.Prestaties.Select(p => o.E("Prestatie", Prestatie(o, p)))))))),
            Wmo405 x => WriteEigenBijdrageClient(o, x.Client),
            Wmo407 x => WriteEigenBijdrageClient(o, x.Client),
            Wmo325 x => x.Antwoord is not { } a ? null : o.E("DeclaratieAntwoord", o.V("DeclaratieNummer", a.DeclaratieNummer),
                o.E("TotaalIngediendBedrag", Base("TotaalBedrag", a.TotaalIngediendBedrag.Bedrag), Base("DebetCredit", a.TotaalIngediendBedrag.DebetCredit)),
                o.E("TotaalToegekendBedrag", Base("TotaalBedrag", a.TotaalToegekendBedrag.Bedrag), Base("DebetCredit", a.TotaalToegekendBedrag.DebetCredit)),
                o.Wrap("Clienten", a.Clienten.Select(c => o.E("Client", o.V("Bsn", c.Bsn),
                    o.E("Prestaties", c.Prestaties.Select(p => o.E("Prestatie", Prestatie(o, p.Prestatie), o.Codes(p.Codes)))),
                    o.Codes(c.Codes)))),
                o.Codes(a.Codes)),
            _ => throw new ArgumentException($"{message.Type} cannot be written by {nameof(IwmoXml)}.", nameof(message)),
        };
        var root = new XElement(m + "Bericht",
            new XAttribute(XNamespace.Xmlns + "iwmo", B.NamespaceName),
            new XAttribute(XNamespace.Xmlns + prefix, m.NamespaceName),
            WriteHeader(o, message),
            body);
        return new XDocument(new XDeclaration("1.0", "UTF-8", null), root);
    }

    // ---------- reading ----------

    private static RetourBericht ReadRetour(MessageType type, XElement root, In h, Header header)
    {
        XNamespace m = type.Namespace;
        var classes = new List<ClassCodes>();
        foreach (var body in root.Elements().Where(e => e.Name != m + "Header"))
        {
            CollectClasses(body, m, "/Bericht/" + body.Name.LocalName, classes);
        }

        return new RetourBericht(type, header, h.Str("IdentificatieRetour"), h.Date("DagtekeningRetour"), h.CodesOf(), classes);
    }

    // A class is an element with its own RetourCodes; its simple children identify the item.
    private static void CollectClasses(XElement e, XNamespace m, string path, List<ClassCodes> found)
    {
        if (e.Element(m + "RetourCodes") is { } codes)
        {
            found.Add(new ClassCodes(path, e.Name.LocalName, codes.Elements(m + "RetourCode").Select(c => c.Value).ToList(),
                e.Elements().Where(c => !c.HasElements && c.Name.Namespace == m).ToDictionary(c => c.Name.LocalName, c => c.Value)));
        }

        var seen = new Dictionary<XName, int>();
        foreach (var child in e.Elements().Where(c => c.HasElements && c.Name.LocalName != "RetourCodes"))
        {
            var n = seen[child.Name] = seen.GetValueOrDefault(child.Name) + 1;
            CollectClasses(child, m, path + "/" + child.Name.LocalName + (n > 1 ? $"[{n}]" : string.Empty), found);
        }
    }

    private static EigenBijdrageClient ReadEigenBijdrageClient(In c) => new(
        c.Str("Bsn"), ReadGeboortedatum(c.Base("Geboortedatum")), c.OptStr("Geslacht"), ReadVerkorteNaam(c.Base("Naam")),
        c.Items("EigenBijdragePerioden", "EigenBijdragePeriode").Select(p => new EigenBijdragePeriode(
            p.Date("Begindatum"), p.OptDate("Einddatum"), p.OptStr("ProductCategorie"), p.OptLong("Kostprijs"), p.Str("StatusAanlevering"))).ToList());

    private static XElement WriteEigenBijdrageClient(Out o, EigenBijdrageClient c) => o.E("Client",
        o.V("Bsn", c.Bsn), o.E("Geboortedatum", Geboortedatum(c.Geboortedatum)), o.Opt("Geslacht", c.Geslacht), o.E("Naam", VerkorteNaam(c.Naam)),
        o.E("EigenBijdragePerioden", c.Perioden.Select(p => o.E("EigenBijdragePeriode",
            o.V("Begindatum", p.Begindatum), o.Opt("Einddatum", p.Einddatum), o.Opt("ProductCategorie", p.ProductCategorie),
            o.Opt("Kostprijs", p.Kostprijs), o.V("StatusAanlevering", p.StatusAanlevering)))));

    private static Wmo325 Read325(In r, Header header)
    {
        var h = r.Child("Header");
        var a = r.OptChild("DeclaratieAntwoord");
        return new Wmo325(header, ReadBerichtIdentificatie(h.Base("DeclaratieIdentificatie")), h.OptStr("XsltVersie"),
            ReadXsdVersie(h.Base("XsdVersieDeclaratie")), h.CodesOf(),
            a is not { } x ? null : new DeclaratieAntwoord(
                x.Str("DeclaratieNummer"), ReadBedrag(x.Base("TotaalIngediendBedrag"), "TotaalBedrag"), ReadBedrag(x.Base("TotaalToegekendBedrag"), "TotaalBedrag"),
                x.Items("Clienten", "Client").Select(c => new AntwoordClient(c.Str("Bsn"),
                    c.Items("Prestaties", "Prestatie").Select(p => new AntwoordPrestatie(ReadPrestatie(p), p.CodesOf())).ToList(), c.CodesOf())).ToList(),
                x.CodesOf()));
    }

    private static Header ReadHeader(In h) => new(
        h.Str("BerichtCode"), h.Int("BerichtVersie"), h.Int("BerichtSubversie"), h.Str("Afzender"), h.Str("Ontvanger"),
        ReadBerichtIdentificatie(h.Base("BerichtIdentificatie")), ReadXsdVersie(h.Base("XsdVersie")));

    private static BerichtIdentificatie ReadBerichtIdentificatie(In id) => new(id.Str("Identificatie"), id.Date("Dagtekening"));

    private static XsdVersie ReadXsdVersie(In v) => new(v.Str("BasisschemaXsdVersie"), v.Str("BerichtXsdVersie"));

    private static Verwijzer ReadVerwijzer(In v) => new(v.Str("Type"), v.OptStr("Naam"), v.OptStr("ZorgverlenerCode"));

    private static Referentie ReadReferentie(In r) => new(r.Str("ReferentieNummer"), r.OptStr("VorigReferentieNummer"));

    private static BedragMetDC ReadBedrag(In b, string amountName) => new(b.Long(amountName), b.Str("DebetCredit"));

    private static Wmo301Client Read301Client(In c) => new(
        c.Str("Bsn"), ReadGeboortedatum(c.Base("Geboortedatum")), c.Str("Geslacht"), ReadVolledigeNaam(c.Base("Naam")),
        c.OptBase("Communicatie") is { } com ? new Communicatie(com.Str("Vorm"), com.OptStr("Taal")) : null,
        c.OptStr("JuridischeStatus"), c.OptStr("WettelijkeVertegenwoordiging"), c.OptStr("Commentaar"),
        c.Items("Relaties", "Relatie").Select(r => new Relatie(
            r.Str("Nummer"), r.OptInt("Volgorde"), r.Str("Soort"), r.OptBase("Geboortedatum") is { } g ? ReadGeboortedatum(g) : null,
            r.OptStr("Geslacht"), ReadVolledigeNaam(r.Base("Naam")), ReadContact(r.Child("Contact")))).ToList(),
        c.Items("Contactgegevens", "Contact").Select(ReadContact).ToList(),
        c.Items("ToegewezenProducten", "ToegewezenProduct").Select(p => new ToegewezenProduct(
            p.Long("ToewijzingNummer"), p.OptStr("ReferentieAanbieder"), ReadProduct(p.OptBase("Product")),
            p.Date("Toewijzingsdatum"), p.Time("Toewijzingstijd"), p.Date("Ingangsdatum"), p.OptDate("Einddatum"),
            p.OptStr("RedenWijziging"), ReadOmvang(p.OptBase("Omvang")), p.OptLong("Budget"), p.OptStr("Commentaar"))).ToList());

    private static Contact ReadContact(In c) => new(
        c.Str("Soort"),
        c.OptBase("Adres") is { } a
            ? new Adres(
                a.OptChild("Huis") is { } h ? new Huis(h.Int("Huisnummer"), h.OptStr("Huisletter"), h.OptStr("HuisnummerToevoeging"), h.OptStr("AanduidingWoonadres")) : null,
                a.OptStr("Postcode"), a.OptStr("Straatnaam"), a.OptStr("Plaatsnaam"), a.OptStr("LandCode"))
            : null,
        c.OptStr("Organisatie"),
        c.OptBase("Telefoon") is { } t
            ? new Telefoonnummers(ReadTelefoon(t.Child("Telefoon01")), t.OptChild("Telefoon02") is { } t2 ? ReadTelefoon(t2) : null)
            : null,
        c.OptStr("Emailadres"),
        c.OptBase("Periode") is { } p ? new OpenPeriode(p.OptDate("Begindatum"), p.OptDate("Einddatum")) : null);

    private static Telefoon ReadTelefoon(In t) => new(t.Str("Telefoonnummer"), t.Str("Landnummer"));

    private static Wmo305Client Read305Client(In c) => new(
        c.Str("Bsn"), ReadGeboortedatum(c.Base("Geboortedatum")), c.Str("Geslacht"), ReadVerkorteNaam(c.Base("Naam")),
        c.Items("StartProducten", "StartProduct").Select(p => new StartProduct(
            p.OptLong("ToewijzingNummer"), ReadProduct(p.OptBase("Product")), p.OptDate("ToewijzingIngangsdatum"),
            p.Date("Begindatum"), p.Str("StatusAanlevering"))).ToList());

    private static Wmo307Client Read307Client(In c) => new(
        c.Str("Bsn"), ReadGeboortedatum(c.Base("Geboortedatum")), c.Str("Geslacht"), ReadVerkorteNaam(c.Base("Naam")),
        c.Items("StopProducten", "StopProduct").Select(p => new StopProduct(
            p.OptLong("ToewijzingNummer"), ReadProduct(p.OptBase("Product")), p.OptDate("ToewijzingIngangsdatum"),
            p.Date("Begindatum"), p.Str("RedenBeeindiging"), p.Date("Einddatum"), p.Str("StatusAanlevering"))).ToList());

    private static Wmo315Client Read315Client(In c) => new(
        c.Str("Bsn"), ReadGeboortedatum(c.Base("Geboortedatum")), c.Str("Geslacht"), ReadVerkorteNaam(c.Base("Naam")), c.OptStr("Commentaar"),
        c.Items("AangevraagdeProducten", "AangevraagdProduct").Select(p => new AangevraagdProduct(
            p.Str("ReferentieAanbieder"), p.OptLong("BeschikkingNummer"), ReadProduct(p.OptBase("Product")), p.OptDate("BeschikkingIngangsdatum"),
            p.Date("ToewijzingIngangsdatum"), p.OptDate("ToewijzingEinddatum"), ReadOmvang(p.OptBase("Omvang")), p.OptLong("Budget"),
            ReadVerwijzer(p.Base("Verwijzer")),
            p.OptStr("Raamcontract"), p.OptStr("Commentaar"))).ToList());

    private static Wmo317Client Read317Client(In c)
    {
        var v = c.Child("Verzoek");
        return new Wmo317Client(c.Str("Bsn"), new Verzoek(
            v.Str("ReferentieAanbieder"), v.Str("RedenVerzoek"),
            v.Items("OngewijzigdeProducten", "OngewijzigdProduct").Select(p => p.Long("ToewijzingNummer")).ToList(),
            v.Items("TeWijzigenProducten", "TeWijzigenProduct").Select(p => new TeWijzigenProduct(
                p.Long("ToewijzingNummer"), p.Date("GewensteIngangsdatum"), p.OptDate("Einddatum"), ReadOmvang(p.OptBase("Omvang")), p.OptLong("Budget"))).ToList(),
            v.Items("NieuweProducten", "NieuwProduct").Select(p => new NieuwProduct(
                ReadProduct(p.OptBase("Product")), p.Date("GewensteIngangsdatum"), p.OptDate("Einddatum"), ReadOmvang(p.OptBase("Omvang")), p.OptLong("Budget"))).ToList()));
    }

    private static Antwoord ReadAntwoord(In a) => new(a.Str("ReferentieAanbieder"), a.Str("VerzoekAntwoord"), a.OptStr("RedenAfwijzingVerzoek"));

    private static Declaratie ReadDeclaratie(In d) => new(
        d.Str("DeclaratieNummer"), ReadPeriode(d.Base("DeclaratiePeriode")), d.Date("DeclaratieDagtekening"),
        ReadBedrag(d.Base("TotaalIngediendBedrag"), "TotaalBedrag"),
        d.Items("Clienten", "Client").Select(c => new DeclaratieClient(c.Str("Bsn"),
            c.Items("Prestaties", "Prestatie").Select(ReadPrestatie).ToList())).ToList());

    private static Prestatie ReadPrestatie(In p) => new(
        ReadReferentie(p.Base("ProductReferentie")),
        p.Long("ToewijzingNummer"), p.Str("ProductCategorie"), p.Str("ProductCode"), ReadPeriode(p.Base("ProductPeriode")),
        p.Long("GeleverdVolume"), p.Str("Eenheid"), p.OptLong("ProductTarief"),
        ReadBedrag(p.Base("IngediendBedrag"), "Bedrag"));

    private static GeslotenPeriode ReadPeriode(In p) => new(p.Date("Begindatum"), p.Date("Einddatum"));

    private static Geboortedatum ReadGeboortedatum(In g) => new(g.Date("Datum"), g.OptStr("DatumGebruik"));

    private static Achternaam ReadAchternaam(In a) => new(a.Str("Achternaam"), a.OptStr("Voorvoegsel"));

    private static VerkorteNaam ReadVerkorteNaam(In n) => new(ReadAchternaam(n.Child("Geslachtsnaam")), n.OptStr("Voornamen"), n.OptStr("Voorletters"));

    private static VolledigeNaam ReadVolledigeNaam(In n) => new(
        ReadAchternaam(n.Child("Geslachtsnaam")), n.OptChild("Partnernaam") is { } p ? ReadAchternaam(p) : null,
        n.OptStr("Voornamen"), n.OptStr("Voorletters"), n.Str("NaamGebruik"));

    private static Product? ReadProduct(In? p) => p is { } x ? new Product(x.Str("Categorie"), x.OptStr("Code")) : null;

    private static Omvang? ReadOmvang(In? o) => o is { } x ? new Omvang(x.Long("Volume"), x.Str("Eenheid"), x.Str("Frequentie")) : null;

    // ---------- writing ----------

    private static XElement WriteHeader(Out o, IIwmoMessage message)
    {
        var h = message.Header;
        var header = o.E("Header",
            o.V("BerichtCode", h.BerichtCode), o.V("BerichtVersie", h.BerichtVersie), o.V("BerichtSubversie", h.BerichtSubversie),
            o.V("Afzender", h.Afzender), o.V("Ontvanger", h.Ontvanger),
            o.E("BerichtIdentificatie", Identificatie(h.BerichtIdentificatie)), o.E("XsdVersie", Versie(h.XsdVersie)));
        if (message is Wmo325 answer)
        {
            header.Add(o.E("DeclaratieIdentificatie", Identificatie(answer.DeclaratieIdentificatie)), o.Opt("XsltVersie", answer.XsltVersie),
                o.E("XsdVersieDeclaratie", Versie(answer.XsdVersieDeclaratie)), o.Codes(answer.HeaderCodes));
        }

        return header;
    }

    private static object[] Identificatie(BerichtIdentificatie id) => [Base("Identificatie", id.Identificatie), Base("Dagtekening", id.Dagtekening)];

    private static object[] Versie(XsdVersie v) => [Base("BasisschemaXsdVersie", v.BasisschemaXsdVersie), Base("BerichtXsdVersie", v.BerichtXsdVersie)];

    private static object?[] Prestatie(Out o, Prestatie p) =>
    [
        o.E("ProductReferentie", Base("ReferentieNummer", p.ProductReferentie.ReferentieNummer), BaseOpt("VorigReferentieNummer", p.ProductReferentie.VorigReferentieNummer)),
        o.V("ToewijzingNummer", p.ToewijzingNummer), o.V("ProductCategorie", p.ProductCategorie), o.V("ProductCode", p.ProductCode),
        o.E("ProductPeriode", Periode(p.ProductPeriode)), o.V("GeleverdVolume", p.GeleverdVolume), o.V("Eenheid", p.Eenheid),
        o.Opt("ProductTarief", p.ProductTarief),
        o.E("IngediendBedrag", Base("Bedrag", p.IngediendBedrag.Bedrag), Base("DebetCredit", p.IngediendBedrag.DebetCredit)),
    ];

    private static XElement Write301Client(Out o, Wmo301Client c) => o.E("Client",
        ClientHead(o, c.Bsn, c.Geboortedatum, c.Geslacht, VolledigeNaam(c.Naam)),
        c.Communicatie is { } com ? o.E("Communicatie", Base("Vorm", com.Vorm), BaseOpt("Taal", com.Taal)) : null,
        o.Opt("JuridischeStatus", c.JuridischeStatus), o.Opt("WettelijkeVertegenwoordiging", c.WettelijkeVertegenwoordiging), o.Opt("Commentaar", c.Commentaar),
        o.Wrap("Relaties", c.Relaties.Select(r => o.E("Relatie",
            o.V("Nummer", r.Nummer), o.Opt("Volgorde", r.Volgorde), o.V("Soort", r.Soort),
            r.Geboortedatum is { } g ? o.E("Geboortedatum", Geboortedatum(g)) : null, o.Opt("Geslacht", r.Geslacht),
            o.E("Naam", VolledigeNaam(r.Naam)), WriteContact(o, r.Contact)))),
        o.E("Contactgegevens", c.Contactgegevens.Select(x => WriteContact(o, x))),
        o.E("ToegewezenProducten", c.ToegewezenProducten.Select(p => o.E("ToegewezenProduct",
            o.V("ToewijzingNummer", p.ToewijzingNummer), o.Opt("ReferentieAanbieder", p.ReferentieAanbieder), Product(o, p.Product),
            o.V("Toewijzingsdatum", p.Toewijzingsdatum), o.V("Toewijzingstijd", p.Toewijzingstijd), o.V("Ingangsdatum", p.Ingangsdatum),
            o.Opt("Einddatum", p.Einddatum), o.Opt("RedenWijziging", p.RedenWijziging), Omvang(o, p.Omvang),
            o.Opt("Budget", p.Budget), o.Opt("Commentaar", p.Commentaar)))));

    private static XElement WriteContact(Out o, Contact c) => o.E("Contact",
        o.V("Soort", c.Soort),
        c.Adres is { } a ? o.E("Adres",
            a.Huis is { } h ? new XElement(B + "Huis", Base("Huisnummer", h.Huisnummer), BaseOpt("Huisletter", h.Huisletter),
                BaseOpt("HuisnummerToevoeging", h.HuisnummerToevoeging), BaseOpt("AanduidingWoonadres", h.AanduidingWoonadres)) : null,
            BaseOpt("Postcode", a.Postcode), BaseOpt("Straatnaam", a.Straatnaam), BaseOpt("Plaatsnaam", a.Plaatsnaam), BaseOpt("LandCode", a.LandCode)) : null,
        o.Opt("Organisatie", c.Organisatie),
        c.Telefoon is { } t ? o.E("Telefoon", Telefoon("Telefoon01", t.Telefoon01), t.Telefoon02 is { } t2 ? Telefoon("Telefoon02", t2) : null) : null,
        o.Opt("Emailadres", c.Emailadres),
        c.Periode is { } p ? o.E("Periode", BaseOpt("Begindatum", p.Begindatum), BaseOpt("Einddatum", p.Einddatum)) : null);

    private static XElement Telefoon(string name, Telefoon t) =>
        new(B + name, Base("Telefoonnummer", t.Telefoonnummer), Base("Landnummer", t.Landnummer));

    private static object[] ClientHead(Out o, string bsn, Geboortedatum g, string geslacht, object[] naam) =>
        [o.V("Bsn", bsn), o.E("Geboortedatum", Geboortedatum(g)), o.V("Geslacht", geslacht), o.E("Naam", naam)];

    private static object?[] Geboortedatum(Geboortedatum g) => [Base("Datum", g.Datum), BaseOpt("DatumGebruik", g.DatumGebruik)];

    private static XElement Achternaam(string name, Achternaam a) =>
        new(B + name, Base("Achternaam", a.Naam), BaseOpt("Voorvoegsel", a.Voorvoegsel));

    private static object[] VerkorteNaam(VerkorteNaam n) =>
        [Achternaam("Geslachtsnaam", n.Geslachtsnaam), BaseOpt("Voornamen", n.Voornamen)!, BaseOpt("Voorletters", n.Voorletters)!];

    private static object[] VolledigeNaam(VolledigeNaam n) =>
    [
        Achternaam("Geslachtsnaam", n.Geslachtsnaam), n.Partnernaam is { } p ? Achternaam("Partnernaam", p) : null!,
        BaseOpt("Voornamen", n.Voornamen)!, BaseOpt("Voorletters", n.Voorletters)!, Base("NaamGebruik", n.NaamGebruik),
    ];

    private static object?[] Periode(GeslotenPeriode p) => [Base("Begindatum", p.Begindatum), Base("Einddatum", p.Einddatum)];

    private static XElement? Product(Out o, Product? p) => p is null ? null : o.E("Product", Base("Categorie", p.Categorie), BaseOpt("Code", p.Code));

    private static XElement? Omvang(Out o, Omvang? v) => v is null ? null
        : o.E("Omvang", Base("Volume", v.Volume), Base("Eenheid", v.Eenheid), Base("Frequentie", v.Frequentie));

    private static XElement Base(string name, object value) => new(B + name, Text(value));

    private static XElement? BaseOpt(string name, object? value) => value is null ? null : Base(name, value);

    internal static string Text(object value) => value switch
    {
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        TimeOnly t => t.ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    /// <summary>Builds elements in the message namespace; nulls (absent optionals) are skipped.</summary>
    private readonly struct Out(XNamespace m)
    {
        public XElement E(string name, params object?[] content) => new(m + name, content.Where(c => c is not null));

        public XElement V(string name, object value) => new(m + name, Text(value));

        public XElement? Opt(string name, object? value) => value is null ? null : V(name, value);

        /// <summary>A RetourCodes element, left out when there are no codes.</summary>
        public XElement? Codes(IReadOnlyList<string> codes)
        {
            var code = m + "RetourCode";
            return codes.Count == 0 ? null : new XElement(m + "RetourCodes", codes.Select(c => new XElement(code, c)));
        }

        /// <summary>A wrapper element, left out when it would be empty (the schema requires at least one item).</summary>
        public XElement? Wrap(string name, IEnumerable<XElement> items)
        {
            var list = items.ToList();
            return list.Count == 0 ? null : new XElement(m + name, list);
        }
    }

    /// <summary>Reads an element whose own children are in namespace <c>ns</c>.</summary>
    private readonly struct In(XElement e, XNamespace ns)
    {
        private XElement? Find(string name) => e.Element(ns + name);

        private XElement Need(string name) => Find(name)
            ?? throw new MessageFormatException($"{Location(e)} has no {name}.");

        /// <summary>A child whose own children are in the message namespace.</summary>
        public In Child(string name) => new(Need(name), ns);

        public In? OptChild(string name) => Find(name) is { } c ? new In(c, ns) : null;

        /// <summary>A child of a shared composite type: its children are in the basisschema namespace.</summary>
        public In Base(string name) => new(Need(name), B);

        public In? OptBase(string name) => Find(name) is { } c ? new In(c, B) : null;

        public IEnumerable<In> Items(string wrapper, string item)
        {
            var nsCopy = ns;
            return (Find(wrapper)?.Elements(ns + item) ?? []).Select(x => new In(x, nsCopy));
        }

        public string Str(string name) => Need(name).Value;

        /// <summary>The codes of this element's own RetourCodes (empty when it has none).</summary>
        public IReadOnlyList<string> CodesOf() =>
            Find("RetourCodes")?.Elements(ns + "RetourCode").Select(c => c.Value).ToList() ?? [];

        public string? OptStr(string name) => Find(name)?.Value;

        public int Int(string name) => Parse(name, int.Parse);

        public int? OptInt(string name) => Find(name) is null ? null : Int(name);

        public long Long(string name) => Parse(name, long.Parse);

        public long? OptLong(string name) => Find(name) is null ? null : Long(name);

        public DateOnly Date(string name) => Parse(name, (s, _, c) => DateOnly.ParseExact(s, "yyyy-MM-dd", c));

        public DateOnly? OptDate(string name) => Find(name) is null ? null : Date(name);

        public TimeOnly Time(string name) => Parse(name, (s, _, c) => TimeOnly.Parse(s, c));

        private T Parse<T>(string name, Func<string, NumberStyles, IFormatProvider, T> parse)
        {
            var el = Need(name);
            try
            {
                return parse(el.Value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            }
            catch (FormatException)
            {
                throw new MessageFormatException($"{Location(el)} has '{el.Value}', which is not a valid value.");
            }
            catch (OverflowException)
            {
                throw new MessageFormatException($"{Location(el)} has '{el.Value}', which is out of range.");
            }
        }

        private static string Location(XElement x) => string.Concat(x.AncestorsAndSelf().Reverse().Select(a => "/" + a.Name.LocalName));
    }
}
