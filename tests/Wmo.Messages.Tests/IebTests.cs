using System.Xml.Linq;
using Wmo.Messages.Model;
using Wmo.Messages.Retour;

namespace Wmo.Messages.Tests;

/// <summary>
/// iEb 4.0 (gemeente ↔ CAK) has no official XSD or example here; its structure is an assumption (schemas/README.md).
/// These tests pin what the assumed schemas accept and that the retour pattern works for WMO406 as for iWmo.
/// </summary>
public class IebTests
{
    private static string Wmo405(string periode = "<wmo405:Begindatum>2026-02-01</wmo405:Begindatum><wmo405:ProductCategorie>14</wmo405:ProductCategorie><wmo405:Kostprijs>125000</wmo405:Kostprijs><wmo405:StatusAanlevering>1</wmo405:StatusAanlevering>") => $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <wmo405:Bericht xmlns:iwmo="http://www.istandaarden.nl/iwmo/3_2/basisschema/schema" xmlns:wmo405="http://www.istandaarden.nl/ieb/4_0/wmo405/schema">
          <wmo405:Header>
            <wmo405:BerichtCode>405</wmo405:BerichtCode><wmo405:BerichtVersie>4</wmo405:BerichtVersie><wmo405:BerichtSubversie>0</wmo405:BerichtSubversie>
            <wmo405:Afzender>0363</wmo405:Afzender><wmo405:Ontvanger>CAK</wmo405:Ontvanger>
            <wmo405:BerichtIdentificatie><iwmo:Identificatie>EB-1</iwmo:Identificatie><iwmo:Dagtekening>2026-02-10</iwmo:Dagtekening></wmo405:BerichtIdentificatie>
            <wmo405:XsdVersie><iwmo:BasisschemaXsdVersie>1.0.0</iwmo:BasisschemaXsdVersie><iwmo:BerichtXsdVersie>1.0.0</iwmo:BerichtXsdVersie></wmo405:XsdVersie>
          </wmo405:Header>
          <wmo405:Client>
            <wmo405:Bsn>999900006</wmo405:Bsn>
            <wmo405:Geboortedatum><iwmo:Datum>1940-05-05</iwmo:Datum></wmo405:Geboortedatum>
            <wmo405:Naam><iwmo:Geslachtsnaam><iwmo:Achternaam>Jansen</iwmo:Achternaam></iwmo:Geslachtsnaam></wmo405:Naam>
            <wmo405:EigenBijdragePerioden><wmo405:EigenBijdragePeriode>{periode}</wmo405:EigenBijdragePeriode></wmo405:EigenBijdragePerioden>
          </wmo405:Client>
        </wmo405:Bericht>
        """;

    [Fact]
    public void A_start_of_the_eigen_bijdrage_with_kostprijs_is_a_valid_WMO405()
    {
        var result = new MessageValidator(Reference.Project).Validate(Wmo405());

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(MessageCatalog.Wmo405, result.MessageType);
    }

    [Fact]
    public void A_WMO405_round_trips_through_the_model_and_carries_the_period()
    {
        var original = XDocument.Parse(Wmo405());

        var message = Assert.IsType<Wmo405>(IwmoXml.Read(original));
        var written = IwmoXml.Write(message);

        Assert.Equal(original.Root!.ToString(SaveOptions.DisableFormatting), written.Root!.ToString(SaveOptions.DisableFormatting));
        var periode = Assert.Single(message.Client.Perioden);
        Assert.Equal((new DateOnly(2026, 2, 1), (long?)125000, "14"), (periode.Begindatum, periode.Kostprijs, periode.ProductCategorie));
    }

    [Fact]
    public void A_WMO405_period_without_Begindatum_is_invalid()
    {
        var result = new MessageValidator(Reference.Project).Validate(Wmo405("<wmo405:StatusAanlevering>1</wmo405:StatusAanlevering>"));

        Assert.Contains(result.Errors, e => e.Location == "/Bericht/Client/EigenBijdragePerioden/EigenBijdragePeriode/StatusAanlevering");
    }

    [Fact]
    public void The_CAK_retour_WMO406_follows_the_retour_pattern_with_codes_per_period()
    {
        var verdict = new RetourVerdict([new Finding("E001", "CAK", "BSN onbekend bij het CAK", "/Bericht/Client/EigenBijdragePerioden/EigenBijdragePeriode")]);

        var retour = new RetourWriter(Reference.Project).Write(XDocument.Parse(Wmo405()), verdict, "CAK-1", new DateOnly(2026, 2, 11));

        var validation = new MessageValidator(Reference.Project).Validate(retour.ToString());
        Assert.True(validation.IsValid, string.Join("\n", validation.Errors));
        var read = Assert.IsType<RetourBericht>(IwmoXml.Read(retour));
        Assert.Equal(MessageCatalog.Wmo406, read.Type);
        Assert.False(read.IsApproved);
        Assert.Equal(["E001"], read.Classes.Single(c => c.ClassName == "EigenBijdragePeriode").Codes);
        Assert.Equal("2026-02-01", read.Classes.Single(c => c.ClassName == "EigenBijdragePeriode").Values["Begindatum"]);
    }
}
