#!/usr/bin/env python3
"""Writes the project's iWmo 3.2 message schemas (schemas/iwmo-3.2/wmoNNN.xsd).

Every iWmo message shares one header shape; only namespace, BerichtCode and the types of Afzender and Ontvanger
differ. A retour (WMO302, 306, 308, 316, 318, 320) copies its heenbericht: the same header plus IdentificatieRetour,
DagtekeningRetour, XsltVersie?, XsdVersieRetour and RetourCodes?, the body optional (only rejected clients are
echoed) and RetourCodes on every class of the information model. Writing all of them from one description keeps
the fourteen schemas consistent. The bodies below restate the published message structure (schemas/README.md).
Run after editing; the output is committed and the build does not run this script.
"""
import pathlib

HERE = pathlib.Path(__file__).parent / "iwmo-3.2"
GEMEENTE, AGB = "iwmo:LDT_Gemeente", "iwmo:LDT_AgbCode"


def element(name, type_, optional=False, many=False):
    occurs = (' minOccurs="0"' if optional else "") + (' maxOccurs="unbounded"' if many else "")
    return f'<xs:element name="{name}" type="{type_}"{occurs}/>'


def opt(name, type_):
    return element(name, type_, optional=True)


def local(name):
    """An element whose type is the message's own complex type of the same name (prefix filled in later)."""
    return ("local", name, False)


def local_opt(name):
    return ("local", name, True)


def many(name):
    return ("many", name, False)


def seq(name, *children, cls=False):
    """A complex type; cls=True marks a class of the information model (it carries RetourCodes in a retour)."""
    return (name, list(children), cls)


def cls(name, *children):
    return seq(name, *children, cls=True)


def fixed(name, base, value):
    return (f'<xs:element name="{name}"><xs:simpleType><xs:restriction base="{base}">'
            f'<xs:pattern value="{value}"/></xs:restriction></xs:simpleType></xs:element>')


def render_child(child, p, optional_bodies=False):
    if isinstance(child, str):
        return child
    kind, name, optional = child
    if kind == "many":
        return element(name, f"{p}:{name}", many=True)
    return element(name, f"{p}:{name}", optional=optional or optional_bodies)


def render_type(type_, p, retour=False):
    name, children, is_class = type_
    lines = [render_child(c, p) for c in children]
    if retour and is_class:
        lines.append(element("RetourCodes", f"{p}:RetourCodes"))
    body = "\n    ".join(lines)
    return f'  <xs:complexType name="{name}"><xs:sequence>\n    {body}\n  </xs:sequence></xs:complexType>'


def header(p, code, sender, receiver, retour=False, extra=()):
    lines = [
        fixed("BerichtCode", "iwmo:LDT_BerichtCode", code),
        fixed("BerichtVersie", "iwmo:LDT_BerichtVersie", "3"),
        fixed("BerichtSubversie", "iwmo:LDT_BerichtSubversie", "2"),
        element("Afzender", sender),
        element("Ontvanger", receiver),
        element("BerichtIdentificatie", "iwmo:CDT_BerichtIdentificatie"),
        element("XsdVersie", "iwmo:CDT_XsdVersie"),
        *extra,
    ]
    if retour:
        lines += [element("IdentificatieRetour", "iwmo:LDT_IdentificatieBericht"), element("DagtekeningRetour", "iwmo:LDT_Datum"),
                  opt("XsltVersie", "iwmo:LDT_Versie"), element("XsdVersieRetour", "iwmo:CDT_XsdVersie"),
                  opt("RetourCodes", f"{p}:RetourCodes")]
    return ("Header", lines, False)


def write(p, code, title, root_children, header_type, types, retour=False):
    root = "\n    ".join([element("Header", f"{p}:Header")] + [render_child(c, p, optional_bodies=retour) for c in root_children])
    rendered = [render_type(header_type, p)]
    if retour or any(isinstance(c, str) and "RetourCodes" in c for c in header_type[1]):
        rendered.append(render_type(("RetourCodes", [element("RetourCode", "iwmo:LDT_RetourCode", many=True)], False), p))
    rendered += [render_type(t, p, retour) for t in types]
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- iWmo 3.2 {p.upper()} (BerichtCode {code}){title}, written for this project by schemas/generate.py from the
     published message structure. Do not edit by hand: change generate.py and run it. -->
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:iwmo="http://www.istandaarden.nl/iwmo/3_2/basisschema/schema"
           xmlns:{p}="http://www.istandaarden.nl/iwmo/3_2/{p}/schema"
           targetNamespace="http://www.istandaarden.nl/iwmo/3_2/{p}/schema"
           elementFormDefault="qualified">
  <xs:import namespace="http://www.istandaarden.nl/iwmo/3_2/basisschema/schema" schemaLocation="basisschema.xsd"/>
  <xs:element name="Bericht" type="{p}:Root"/>
  <xs:complexType name="Root"><xs:sequence>
    {root}
  </xs:sequence></xs:complexType>
{chr(10).join(rendered)}
</xs:schema>
"""
    (HERE / f"{p}.xsd").write_text(text, encoding="utf-8")


def message(p, code, sender, receiver, root_children, types, retour):
    write(p, code, "", root_children, header(p, code, sender, receiver), types)
    r, rcode = retour
    write(r, rcode, f", the retour of {p.upper()}", root_children, header(r, rcode, sender, receiver, retour=True), types, retour=True)


def client_head(naam):
    return [element("Bsn", "iwmo:LDT_BurgerServicenummer"), element("Geboortedatum", "iwmo:CDT_Geboortedatum"),
            element("Geslacht", "iwmo:LDT_Geslacht"), element("Naam", naam)]


def wrapper(name, item):
    return seq(name, many(item))


# WMO301 Toewijzing (gemeente -> aanbieder), retour WMO302
message("wmo301", "414", GEMEENTE, AGB, [local("Client")], [
    cls("Client", *client_head("iwmo:CDT_VolledigeNaam"),
        opt("Communicatie", "iwmo:CDT_Communicatie"), opt("JuridischeStatus", "iwmo:LDT_JuridischeStatus"),
        opt("WettelijkeVertegenwoordiging", "iwmo:LDT_WettelijkeVertegenwoordiging"), opt("Commentaar", "iwmo:LDT_Commentaar"),
        local_opt("Relaties"), local("Contactgegevens"), local("ToegewezenProducten")),
    wrapper("Relaties", "Relatie"),
    cls("Relatie", element("Nummer", "iwmo:LDT_Persoonsid"), opt("Volgorde", "iwmo:LDT_RelatieVolgorde"),
        element("Soort", "iwmo:LDT_SoortRelatie"), opt("Geboortedatum", "iwmo:CDT_Geboortedatum"),
        opt("Geslacht", "iwmo:LDT_Geslacht"), element("Naam", "iwmo:CDT_VolledigeNaam"), local("Contact")),
    cls("Contact", element("Soort", "iwmo:LDT_AdresSoort"), opt("Adres", "iwmo:CDT_Adres"),
        opt("Organisatie", "iwmo:LDT_Organisatienaam"), opt("Telefoon", "iwmo:CDT_Telefoonnummers"),
        opt("Emailadres", "iwmo:LDT_Emailadres"), opt("Periode", "iwmo:CDT_OpenPeriode")),
    wrapper("Contactgegevens", "Contact"),
    wrapper("ToegewezenProducten", "ToegewezenProduct"),
    cls("ToegewezenProduct", element("ToewijzingNummer", "iwmo:LDT_Nummer"), opt("ReferentieAanbieder", "iwmo:LDT_Referentie"),
        opt("Product", "iwmo:CDT_Product"), element("Toewijzingsdatum", "iwmo:LDT_Datum"),
        element("Toewijzingstijd", "iwmo:LDT_Tijd"), element("Ingangsdatum", "iwmo:LDT_Datum"),
        opt("Einddatum", "iwmo:LDT_Datum"), opt("RedenWijziging", "iwmo:LDT_RedenWijziging"),
        opt("Omvang", "iwmo:CDT_Omvang"), opt("Budget", "iwmo:LDT_Budget"), opt("Commentaar", "iwmo:LDT_Commentaar")),
], retour=("wmo302", "415"))

# WMO305 Start (retour WMO306) and WMO307 Stop (retour WMO308), aanbieder -> gemeente
for p, code, container, item, tail, retour in [
    ("wmo305", "418", "StartProducten", "StartProduct", [element("Begindatum", "iwmo:LDT_Datum")], ("wmo306", "419")),
    ("wmo307", "420", "StopProducten", "StopProduct",
     [element("Begindatum", "iwmo:LDT_Datum"), element("RedenBeeindiging", "iwmo:LDT_RedenBeeindiging"),
      element("Einddatum", "iwmo:LDT_Datum")], ("wmo308", "421")),
]:
    message(p, code, AGB, GEMEENTE, [local("Client")], [
        cls("Client", *client_head("iwmo:CDT_VerkorteNaam"), local(container)),
        wrapper(container, item),
        cls(item, opt("ToewijzingNummer", "iwmo:LDT_Nummer"), opt("Product", "iwmo:CDT_Product"),
            opt("ToewijzingIngangsdatum", "iwmo:LDT_Datum"), *tail,
            element("StatusAanlevering", "iwmo:LDT_StatusAanlevering")),
    ], retour=retour)

# WMO315 Verzoek om toewijzing (aanbieder -> gemeente), retour WMO316
message("wmo315", "444", AGB, GEMEENTE, [local("Client")], [
    cls("Client", *client_head("iwmo:CDT_VerkorteNaam"), opt("Commentaar", "iwmo:LDT_Commentaar"), local("AangevraagdeProducten")),
    wrapper("AangevraagdeProducten", "AangevraagdProduct"),
    cls("AangevraagdProduct", element("ReferentieAanbieder", "iwmo:LDT_Referentie"), opt("BeschikkingNummer", "iwmo:LDT_Nummer"),
        opt("Product", "iwmo:CDT_Product"), opt("BeschikkingIngangsdatum", "iwmo:LDT_Datum"),
        element("ToewijzingIngangsdatum", "iwmo:LDT_Datum"), opt("ToewijzingEinddatum", "iwmo:LDT_Datum"),
        opt("Omvang", "iwmo:CDT_Omvang"), opt("Budget", "iwmo:LDT_Budget"), element("Verwijzer", "iwmo:CDT_Verwijzer"),
        opt("Raamcontract", "iwmo:LDT_JaNee"), opt("Commentaar", "iwmo:LDT_Commentaar")),
], retour=("wmo316", "445"))

# WMO317 Verzoek om wijziging (aanbieder -> gemeente), retour WMO318
change = [opt("Einddatum", "iwmo:LDT_Datum"), opt("Omvang", "iwmo:CDT_Omvang"), opt("Budget", "iwmo:LDT_Budget")]
message("wmo317", "480", AGB, GEMEENTE, [local("Client")], [
    cls("Client", element("Bsn", "iwmo:LDT_BurgerServicenummer"), local("Verzoek")),
    cls("Verzoek", element("ReferentieAanbieder", "iwmo:LDT_Referentie"), element("RedenVerzoek", "iwmo:LDT_RedenVerzoek"),
        local_opt("OngewijzigdeProducten"), local_opt("TeWijzigenProducten"), local_opt("NieuweProducten")),
    wrapper("OngewijzigdeProducten", "OngewijzigdProduct"),
    cls("OngewijzigdProduct", element("ToewijzingNummer", "iwmo:LDT_Nummer")),
    wrapper("TeWijzigenProducten", "TeWijzigenProduct"),
    cls("TeWijzigenProduct", element("ToewijzingNummer", "iwmo:LDT_Nummer"), element("GewensteIngangsdatum", "iwmo:LDT_Datum"), *change),
    wrapper("NieuweProducten", "NieuwProduct"),
    cls("NieuwProduct", opt("Product", "iwmo:CDT_Product"), element("GewensteIngangsdatum", "iwmo:LDT_Datum"), *change),
], retour=("wmo318", "481"))

# WMO319 Antwoordbericht (gemeente -> aanbieder), retour WMO320
message("wmo319", "482", GEMEENTE, AGB, [local("Antwoord")], [
    cls("Antwoord", element("ReferentieAanbieder", "iwmo:LDT_Referentie"), element("VerzoekAntwoord", "iwmo:LDT_VerzoekAntwoord"),
        opt("RedenAfwijzingVerzoek", "iwmo:LDT_RedenAfwijzingVerzoek")),
], retour=("wmo320", "483"))

# WMO323 Declaratie (aanbieder -> gemeente). It has no retour: WMO325 answers it.
prestatie = [element("ProductReferentie", "iwmo:CDT_Referentie"), element("ToewijzingNummer", "iwmo:LDT_Nummer"),
             element("ProductCategorie", "iwmo:LDT_ProductCategorie"), element("ProductCode", "iwmo:LDT_ProductCode"),
             element("ProductPeriode", "iwmo:CDT_GeslotenPeriode"), element("GeleverdVolume", "iwmo:LDT_Volume"),
             element("Eenheid", "iwmo:LDT_Eenheid"), opt("ProductTarief", "iwmo:LDT_Bedrag"),
             element("IngediendBedrag", "iwmo:CDT_BedragMetDC")]
write("wmo323", "484", "", [local("Declaratie")], header("wmo323", "484", AGB, GEMEENTE), [
    seq("Declaratie",
        '<xs:element name="DeclaratieNummer"><xs:simpleType><xs:restriction base="iwmo:LDT_IdentificatieDeclaratie"><xs:pattern value="([a-zA-Z0-9])+"/></xs:restriction></xs:simpleType></xs:element>',
        element("DeclaratiePeriode", "iwmo:CDT_GeslotenPeriode"), element("DeclaratieDagtekening", "iwmo:LDT_Datum"),
        element("TotaalIngediendBedrag", "iwmo:CDT_TotaalBedragMetDC"), local("Clienten")),
    wrapper("Clienten", "Client"),
    seq("Client", element("Bsn", "iwmo:LDT_BurgerServicenummer"), local("Prestaties")),
    wrapper("Prestaties", "Prestatie"),
    seq("Prestatie", *prestatie),
])

# WMO325 Declaratie-antwoord (gemeente -> aanbieder): its own header (not a copy), linked to the 323 through
# DeclaratieIdentificatie; technical and content findings in RetourCodes on header, declaration, client, prestatie.
write("wmo325", "485", ", the answer to WMO323", [local_opt("DeclaratieAntwoord")],
      header("wmo325", "485", GEMEENTE, AGB, extra=[
          element("DeclaratieIdentificatie", "iwmo:CDT_BerichtIdentificatie"), opt("XsltVersie", "iwmo:LDT_Versie"),
          element("XsdVersieDeclaratie", "iwmo:CDT_XsdVersie"), element("RetourCodes", "wmo325:RetourCodes")]), [
    cls("DeclaratieAntwoord", element("DeclaratieNummer", "iwmo:LDT_IdentificatieDeclaratie"),
        element("TotaalIngediendBedrag", "iwmo:CDT_TotaalBedragMetDC"), element("TotaalToegekendBedrag", "iwmo:CDT_TotaalBedragMetDC"),
        local_opt("Clienten")),
    wrapper("Clienten", "Client"),
    cls("Client", element("Bsn", "iwmo:LDT_BurgerServicenummer"), local("Prestaties")),
    wrapper("Prestaties", "Prestatie"),
    cls("Prestatie", *prestatie),
], retour=True)


# ---------------------------------------------------------------------------------------------------------------
# iEb 4.0 (gemeente <-> CAK). The element names and codes are NOT verified (domain.md §2.2): every choice below is an
# assumption written down in schemas/README.md ("iEb 4.0"), modelled on the iWmo conventions, and kept in this one
# place so it is easy to change when the official XSDs are at hand.
IEB = pathlib.Path(__file__).parent / "ieb-4.0"


def ieb_message(p, code, title, root_children, header_type, types, retour=False):
    # Same writer as iWmo, other folder and namespace root; shared types from the iWmo 3.2 basisschema (assumption).
    global HERE
    saved, HERE = HERE, IEB
    try:
        write(p, code, title, root_children, header_type, types, retour=retour)
        path = IEB / f"{p}.xsd"
        text = path.read_text(encoding="utf-8")
        text = text.replace(f"http://www.istandaarden.nl/iwmo/3_2/{p}/schema", f"http://www.istandaarden.nl/ieb/4_0/{p}/schema")
        text = text.replace('schemaLocation="basisschema.xsd"', 'schemaLocation="../iwmo-3.2/basisschema.xsd"')
        text = text.replace("iWmo 3.2 " + p.upper(), "iEb 4.0 " + p.upper())
        text = text.replace("written for this project by schemas/generate.py from the\n     published message structure.",
                            "written for this project by schemas/generate.py. UNVERIFIED: element names and codes\n     are assumptions (schemas/README.md, iEb 4.0).")
        path.write_text(text, encoding="utf-8")
    finally:
        HERE = saved


CAK = "LDT_Instantie"
instantie = ('  <xs:simpleType name="LDT_Instantie"><xs:restriction base="xs:string"><xs:minLength value="1"/>'
             '<xs:maxLength value="8"/><xs:pattern value="[0-9A-Z]+"/></xs:restriction></xs:simpleType>')
cak_code = ('  <xs:simpleType name="LDT_CakRetourCode"><xs:restriction base="xs:string">'
            '<xs:pattern value="[0-9A-Z]{4}"/></xs:restriction></xs:simpleType>')


def ieb_header(p, code, retour=False):
    lines = [
        fixed("BerichtCode", "iwmo:LDT_BerichtCode", code),
        fixed("BerichtVersie", "iwmo:LDT_BerichtVersie", "4"),
        fixed("BerichtSubversie", "iwmo:LDT_BerichtSubversie", "0"),
        element("Afzender", GEMEENTE),
        element("Ontvanger", f"{p}:{CAK}"),
        element("BerichtIdentificatie", "iwmo:CDT_BerichtIdentificatie"),
        element("XsdVersie", "iwmo:CDT_XsdVersie"),
    ]
    if retour:
        lines += [element("IdentificatieRetour", "iwmo:LDT_IdentificatieBericht"), element("DagtekeningRetour", "iwmo:LDT_Datum"),
                  element("XsdVersieRetour", "iwmo:CDT_XsdVersie"), opt("RetourCodes", f"{p}:RetourCodes")]
    return ("Header", lines, False)


def ieb_pair(heen, heen_code, retour, retour_code, title):
    body = [
        cls("Client", element("Bsn", "iwmo:LDT_BurgerServicenummer"), element("Geboortedatum", "iwmo:CDT_Geboortedatum"),
            opt("Geslacht", "iwmo:LDT_Geslacht"), element("Naam", "iwmo:CDT_VerkorteNaam"), local("EigenBijdragePerioden")),
        wrapper("EigenBijdragePerioden", "EigenBijdragePeriode"),
        # One period of eigen bijdrage per person (not per voorziening, VNG FAQ): start, optional stop, and for
        # hulpmiddelen/woningaanpassingen the kostprijs that caps the bijdrage. StatusAanlevering 1/3 as in iWmo.
        cls("EigenBijdragePeriode", element("Begindatum", "iwmo:LDT_Datum"), opt("Einddatum", "iwmo:LDT_Datum"),
            opt("ProductCategorie", "iwmo:LDT_ProductCategorie"), opt("Kostprijs", "iwmo:LDT_Bedrag"),
            element("StatusAanlevering", "iwmo:LDT_StatusAanlevering")),
    ]
    ieb_message(heen, heen_code, f", {title}", [local("Client")], ieb_header(heen, heen_code), body)
    ieb_message(retour, retour_code, f", the retour of {heen.upper()}", [local("Client")], ieb_header(retour, retour_code, retour=True), body, retour=True)
    for p in (heen, retour):
        path = IEB / f"{p}.xsd"
        text = path.read_text(encoding="utf-8")
        extra = instantie + ("\n" + cak_code if p == retour else "")
        # The CAK answers with its own codes: a four-character code, not the iWmo WJ001 enumeration (assumption).
        text = text.replace('type="iwmo:LDT_RetourCode"', f'type="{p}:LDT_CakRetourCode"')
        text = text.replace("</xs:schema>", extra + "\n</xs:schema>")
        path.write_text(text, encoding="utf-8")


IEB.mkdir(exist_ok=True)
ieb_pair("wmo405", "405", "wmo406", "406", "start and stop of the eigen bijdrage (abonnementstarief)")
ieb_pair("wmo407", "407", "wmo408", "408", "start and stop of the eigen bijdrage for beschermd wonen")
