#!/usr/bin/env python3
"""Writes the project's iWmo 3.2 message schemas (schemas/iwmo-3.2/wmoNNN.xsd).

Every iWmo message shares the same header shape; only namespace, BerichtCode and the types of Afzender and
Ontvanger differ. Writing the header from one template keeps the fourteen schemas consistent. The bodies are
written out per message below, from the published message structure (see schemas/README.md). Run it after
editing a body; the output is committed, the build does not run this script.
"""
import pathlib

HERE = pathlib.Path(__file__).parent / "iwmo-3.2"
GEMEENTE, AGB = "iwmo:LDT_Gemeente", "iwmo:LDT_AgbCode"


def element(name, type_, optional=False, many=False):
    occurs = (' minOccurs="0"' if optional else "") + (' maxOccurs="unbounded"' if many else "")
    return f'<xs:element name="{name}" type="{type_}"{occurs}/>'


def opt(name, type_):
    return element(name, type_, optional=True)


def seq(name, *elements):
    body = "\n    ".join(elements)
    return f'  <xs:complexType name="{name}"><xs:sequence>\n    {body}\n  </xs:sequence></xs:complexType>'


def schema(msg, code, sender, receiver, root_children, *types, extra_header=()):
    p = msg
    header = seq(
        "Header",
        f'<xs:element name="BerichtCode"><xs:simpleType><xs:restriction base="iwmo:LDT_BerichtCode"><xs:pattern value="{code}"/></xs:restriction></xs:simpleType></xs:element>',
        '<xs:element name="BerichtVersie"><xs:simpleType><xs:restriction base="iwmo:LDT_BerichtVersie"><xs:pattern value="3"/></xs:restriction></xs:simpleType></xs:element>',
        '<xs:element name="BerichtSubversie"><xs:simpleType><xs:restriction base="iwmo:LDT_BerichtSubversie"><xs:pattern value="2"/></xs:restriction></xs:simpleType></xs:element>',
        element("Afzender", sender),
        element("Ontvanger", receiver),
        element("BerichtIdentificatie", "iwmo:CDT_BerichtIdentificatie"),
        *extra_header,
        element("XsdVersie", "iwmo:CDT_XsdVersie"),
    )
    root = seq("Root", element("Header", f"{p}:Header"), *root_children)
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- iWmo 3.2 {msg.upper()} (BerichtCode {code}), written for this project by schemas/generate.py from the published
     message structure. Do not edit by hand: change generate.py and run it. -->
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:iwmo="http://www.istandaarden.nl/iwmo/3_2/basisschema/schema"
           xmlns:{p}="http://www.istandaarden.nl/iwmo/3_2/{p}/schema"
           targetNamespace="http://www.istandaarden.nl/iwmo/3_2/{p}/schema"
           elementFormDefault="qualified">
  <xs:import namespace="http://www.istandaarden.nl/iwmo/3_2/basisschema/schema" schemaLocation="basisschema.xsd"/>
  <xs:element name="Bericht" type="{p}:Root"/>
{root}
{header}
{chr(10).join(types)}
</xs:schema>
"""
    (HERE / f"{msg}.xsd").write_text(text, encoding="utf-8")


def client_head(p, naam):
    return [element("Bsn", "iwmo:LDT_BurgerServicenummer"), element("Geboortedatum", "iwmo:CDT_Geboortedatum"),
            element("Geslacht", "iwmo:LDT_Geslacht"), element("Naam", naam)]


def wrapper(p, name, item):
    return seq(name, element(item, f"{p}:{item}", many=True))


# WMO301 Toewijzing (gemeente -> aanbieder)
p = "wmo301"
schema(p, "414", GEMEENTE, AGB, [element("Client", f"{p}:Client")],
       seq("Client", *client_head(p, "iwmo:CDT_VolledigeNaam"),
           opt("Communicatie", "iwmo:CDT_Communicatie"), opt("JuridischeStatus", "iwmo:LDT_JuridischeStatus"),
           opt("WettelijkeVertegenwoordiging", "iwmo:LDT_WettelijkeVertegenwoordiging"), opt("Commentaar", "iwmo:LDT_Commentaar"),
           opt("Relaties", f"{p}:Relaties"), element("Contactgegevens", f"{p}:Contactgegevens"),
           element("ToegewezenProducten", f"{p}:ToegewezenProducten")),
       wrapper(p, "Relaties", "Relatie"),
       seq("Relatie", element("Nummer", "iwmo:LDT_Persoonsid"), opt("Volgorde", "iwmo:LDT_RelatieVolgorde"),
           element("Soort", "iwmo:LDT_SoortRelatie"), opt("Geboortedatum", "iwmo:CDT_Geboortedatum"),
           opt("Geslacht", "iwmo:LDT_Geslacht"), element("Naam", "iwmo:CDT_VolledigeNaam"), element("Contact", f"{p}:Contact")),
       seq("Contact", element("Soort", "iwmo:LDT_AdresSoort"), opt("Adres", "iwmo:CDT_Adres"),
           opt("Organisatie", "iwmo:LDT_Organisatienaam"), opt("Telefoon", "iwmo:CDT_Telefoonnummers"),
           opt("Emailadres", "iwmo:LDT_Emailadres"), opt("Periode", "iwmo:CDT_OpenPeriode")),
       wrapper(p, "Contactgegevens", "Contact"),
       wrapper(p, "ToegewezenProducten", "ToegewezenProduct"),
       seq("ToegewezenProduct", element("ToewijzingNummer", "iwmo:LDT_Nummer"), opt("ReferentieAanbieder", "iwmo:LDT_Referentie"),
           opt("Product", "iwmo:CDT_Product"), element("Toewijzingsdatum", "iwmo:LDT_Datum"),
           element("Toewijzingstijd", "iwmo:LDT_Tijd"), element("Ingangsdatum", "iwmo:LDT_Datum"),
           opt("Einddatum", "iwmo:LDT_Datum"), opt("RedenWijziging", "iwmo:LDT_RedenWijziging"),
           opt("Omvang", "iwmo:CDT_Omvang"), opt("Budget", "iwmo:LDT_Budget"), opt("Commentaar", "iwmo:LDT_Commentaar")))

# WMO305 Start / WMO307 Stop (aanbieder -> gemeente)
for p, code, container, item, tail in [
    ("wmo305", "418", "StartProducten", "StartProduct", [element("Begindatum", "iwmo:LDT_Datum")]),
    ("wmo307", "420", "StopProducten", "StopProduct",
     [element("Begindatum", "iwmo:LDT_Datum"), element("RedenBeeindiging", "iwmo:LDT_RedenBeeindiging"),
      element("Einddatum", "iwmo:LDT_Datum")]),
]:
    schema(p, code, AGB, GEMEENTE, [element("Client", f"{p}:Client")],
           seq("Client", *client_head(p, "iwmo:CDT_VerkorteNaam"), element(container, f"{p}:{container}")),
           wrapper(p, container, item),
           seq(item, opt("ToewijzingNummer", "iwmo:LDT_Nummer"), opt("Product", "iwmo:CDT_Product"),
               opt("ToewijzingIngangsdatum", "iwmo:LDT_Datum"), *tail,
               element("StatusAanlevering", "iwmo:LDT_StatusAanlevering")))

# WMO315 Verzoek om toewijzing (aanbieder -> gemeente)
p = "wmo315"
schema(p, "444", AGB, GEMEENTE, [element("Client", f"{p}:Client")],
       seq("Client", *client_head(p, "iwmo:CDT_VerkorteNaam"), opt("Commentaar", "iwmo:LDT_Commentaar"),
           element("AangevraagdeProducten", f"{p}:AangevraagdeProducten")),
       wrapper(p, "AangevraagdeProducten", "AangevraagdProduct"),
       seq("AangevraagdProduct", element("ReferentieAanbieder", "iwmo:LDT_Referentie"), opt("BeschikkingNummer", "iwmo:LDT_Nummer"),
           opt("Product", "iwmo:CDT_Product"), opt("BeschikkingIngangsdatum", "iwmo:LDT_Datum"),
           element("ToewijzingIngangsdatum", "iwmo:LDT_Datum"), opt("ToewijzingEinddatum", "iwmo:LDT_Datum"),
           opt("Omvang", "iwmo:CDT_Omvang"), opt("Budget", "iwmo:LDT_Budget"), element("Verwijzer", "iwmo:CDT_Verwijzer"),
           opt("Raamcontract", "iwmo:LDT_JaNee"), opt("Commentaar", "iwmo:LDT_Commentaar")))

# WMO317 Verzoek om wijziging (aanbieder -> gemeente)
p = "wmo317"
change = [opt("Einddatum", "iwmo:LDT_Datum"), opt("Omvang", "iwmo:CDT_Omvang"), opt("Budget", "iwmo:LDT_Budget")]
schema(p, "480", AGB, GEMEENTE, [element("Client", f"{p}:Client")],
       seq("Client", element("Bsn", "iwmo:LDT_BurgerServicenummer"), element("Verzoek", f"{p}:Verzoek")),
       seq("Verzoek", element("ReferentieAanbieder", "iwmo:LDT_Referentie"), element("RedenVerzoek", "iwmo:LDT_RedenVerzoek"),
           opt("OngewijzigdeProducten", f"{p}:OngewijzigdeProducten"), opt("TeWijzigenProducten", f"{p}:TeWijzigenProducten"),
           opt("NieuweProducten", f"{p}:NieuweProducten")),
       wrapper(p, "OngewijzigdeProducten", "OngewijzigdProduct"),
       seq("OngewijzigdProduct", element("ToewijzingNummer", "iwmo:LDT_Nummer")),
       wrapper(p, "TeWijzigenProducten", "TeWijzigenProduct"),
       seq("TeWijzigenProduct", element("ToewijzingNummer", "iwmo:LDT_Nummer"), element("GewensteIngangsdatum", "iwmo:LDT_Datum"), *change),
       wrapper(p, "NieuweProducten", "NieuwProduct"),
       seq("NieuwProduct", opt("Product", "iwmo:CDT_Product"), element("GewensteIngangsdatum", "iwmo:LDT_Datum"), *change))

# WMO319 Antwoordbericht (gemeente -> aanbieder)
p = "wmo319"
schema(p, "482", GEMEENTE, AGB, [element("Antwoord", f"{p}:Antwoord")],
       seq("Antwoord", element("ReferentieAanbieder", "iwmo:LDT_Referentie"), element("VerzoekAntwoord", "iwmo:LDT_VerzoekAntwoord"),
           opt("RedenAfwijzingVerzoek", "iwmo:LDT_RedenAfwijzingVerzoek")))

# WMO323 Declaratie (aanbieder -> gemeente)
p = "wmo323"
schema(p, "484", AGB, GEMEENTE, [element("Declaratie", f"{p}:Declaratie")],
       seq("Declaratie",
           '<xs:element name="DeclaratieNummer"><xs:simpleType><xs:restriction base="iwmo:LDT_IdentificatieDeclaratie"><xs:pattern value="([a-zA-Z0-9])+"/></xs:restriction></xs:simpleType></xs:element>',
           element("DeclaratiePeriode", "iwmo:CDT_GeslotenPeriode"), element("DeclaratieDagtekening", "iwmo:LDT_Datum"),
           element("TotaalIngediendBedrag", "iwmo:CDT_TotaalBedragMetDC"), element("Clienten", f"{p}:Clienten")),
       wrapper(p, "Clienten", "Client"),
       seq("Client", element("Bsn", "iwmo:LDT_BurgerServicenummer"), element("Prestaties", f"{p}:Prestaties")),
       wrapper(p, "Prestaties", "Prestatie"),
       seq("Prestatie", element("ProductReferentie", "iwmo:CDT_Referentie"), element("ToewijzingNummer", "iwmo:LDT_Nummer"),
           element("ProductCategorie", "iwmo:LDT_ProductCategorie"), element("ProductCode", "iwmo:LDT_ProductCode"),
           element("ProductPeriode", "iwmo:CDT_GeslotenPeriode"), element("GeleverdVolume", "iwmo:LDT_Volume"),
           element("Eenheid", "iwmo:LDT_Eenheid"), opt("ProductTarief", "iwmo:LDT_Bedrag"),
           element("IngediendBedrag", "iwmo:CDT_BedragMetDC")))
