using System.Xml.Linq;
using Wmo.Messages.Model;
using Wmo.Messages.Retour;

namespace Wmo.Messages.Tests;

public class RetourTests
{
    private static readonly RetourWriter Writer = new(Reference.Project);
    private static readonly DateOnly Today = new(2026, 11, 22);

    private static XDocument Example(string name) => XDocument.Load(Path.Combine(Reference.Examples, name + ".xml"));

    private static XNamespace Ns(string message) => MessageCatalog.FindByName(message)!.Namespace;

    private static void AssertValid(XDocument retour)
    {
        var result = new MessageValidator(Reference.Project).Validate(retour.Declaration + retour.ToString());
        Assert.True(result.IsValid, string.Join("\n", result.Errors) + "\n" + retour);
    }

    public static TheoryData<string> HeenWithRetour() => ["WMO301", "WMO305", "WMO307", "WMO315", "WMO317", "WMO319"];

    [Theory]
    [MemberData(nameof(HeenWithRetour))]
    public void A_fully_approved_heenbericht_gets_a_header_only_retour_that_copies_its_header(string heen)
    {
        var doc = Example(heen);
        var retourType = MessageCatalog.AnswerTo(MessageCatalog.FindByName(heen)!)!;

        var retour = Writer.Write(doc, RetourVerdict.Approved, "R-1", Today);

        AssertValid(retour);
        XNamespace r = retourType.Namespace;
        var header = retour.Root!.Element(r + "Header")!;
        var heenHeader = doc.Root!.Element(Ns(heen) + "Header")!;
        Assert.Equal(retourType.BerichtCode, header.Element(r + "BerichtCode")!.Value);
        Assert.Equal(heenHeader.Element(Ns(heen) + "Afzender")!.Value, header.Element(r + "Afzender")!.Value);
        Assert.Equal(heenHeader.Element(Ns(heen) + "Ontvanger")!.Value, header.Element(r + "Ontvanger")!.Value);
        Assert.Equal(heenHeader.Element(Ns(heen) + "BerichtIdentificatie")!.Value, header.Element(r + "BerichtIdentificatie")!.Value);
        Assert.Equal("R-1", header.Element(r + "IdentificatieRetour")!.Value);
        Assert.Equal("2026-11-22", header.Element(r + "DagtekeningRetour")!.Value);
        Assert.Null(header.Element(r + "RetourCodes"));
        Assert.Single(retour.Root!.Elements());
    }

    [Theory]
    [MemberData(nameof(HeenWithRetour))]
    public void A_heenbericht_with_a_rejected_class_gets_its_body_back_with_codes_on_every_class(string heen)
    {
        var doc = Example(heen);
        var bodyName = doc.Root!.Elements().Skip(1).First().Name.LocalName;
        var verdict = new RetourVerdict([new Finding("9019", "TR019", "test", "/Bericht/" + bodyName)]);

        var retour = Writer.Write(doc, verdict, "R-2", Today);

        AssertValid(retour);
        XNamespace r = MessageCatalog.AnswerTo(MessageCatalog.FindByName(heen)!)!.Namespace;
        var body = retour.Root!.Element(r + bodyName)!;
        var own = body.Element(r + "RetourCodes")!;
        Assert.Equal(["9019"], own.Elements().Select(e => e.Value));
        Assert.All(body.Descendants(r + "RetourCodes").Where(c => c != own), codes => Assert.Equal("0200", codes.Value));
    }

    [Fact]
    public void Codes_land_on_the_class_they_name_and_the_other_classes_get_0200()
    {
        var verdict = new RetourVerdict([new Finding("9326", "TR326", "vorige levering niet gestopt", "/Bericht/Client/StartProducten/StartProduct[2]")]);

        var retour = Writer.Write(Example("WMO305"), verdict, "R-3", Today);

        AssertValid(retour);
        XNamespace r = MessageCatalog.Wmo306.Namespace;
        var products = retour.Descendants(r + "StartProduct").ToList();
        Assert.Equal("0200", products[0].Element(r + "RetourCodes")!.Value);
        Assert.Equal("9326", products[1].Element(r + "RetourCodes")!.Value);
        Assert.Equal("0200", retour.Root!.Element(r + "Client")!.Element(r + "RetourCodes")!.Value);
    }

    [Fact]
    public void A_technical_rejection_is_header_only_with_0001()
    {
        var verdict = new RetourVerdict([new Finding("0001", "BSN-elfproef", "x"), new Finding("9019", "TR019", "x", "/Bericht/Client")]);

        var retour = Writer.Write(Example("WMO305"), verdict, "R-4", Today);

        AssertValid(retour);
        XNamespace r = MessageCatalog.Wmo306.Namespace;
        Assert.Equal(["0001"], retour.Root!.Element(r + "Header")!.Element(r + "RetourCodes")!.Elements().Select(e => e.Value));
        Assert.Null(retour.Root!.Element(r + "Client"));
    }

    [Fact]
    public void A_declaration_has_no_retour_of_this_pattern()
    {
        Assert.Throws<NotSupportedException>(() => Writer.Write(Example("WMO323"), RetourVerdict.Approved, "R", Today));
    }
}

public class MessageRuleTests
{
    private static IIwmoMessage Read(string name, Func<string, string>? change = null)
    {
        var xml = File.ReadAllText(Path.Combine(Reference.Examples, name + ".xml"));
        return IwmoXml.Read(XDocument.Parse(change is null ? xml : change(xml)));
    }

    private static string Replace(string xml, string from, string to)
    {
        Assert.Contains(from, xml, StringComparison.Ordinal);
        return xml.Replace(from, to, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Reference.ExampleNames), MemberType = typeof(Reference))]
    public void Every_official_example_passes_the_message_rules(string file)
    {
        var verdict = MessageRules.Evaluate(Read(Path.GetFileNameWithoutExtension(file)), new DateOnly(2026, 11, 22));

        Assert.True(verdict.IsApproved, string.Join("\n", verdict.Findings));
    }

    [Fact]
    public void A_Dagtekening_after_the_system_date_is_8848_on_the_header()
    {
        var message = Read("WMO305");

        var verdict = MessageRules.Evaluate(message, message.Header.BerichtIdentificatie.Dagtekening.AddDays(-1));

        var finding = Assert.Single(verdict.Findings);
        Assert.Equal(("8848", "TR135", (string?)null), (finding.RetourCode, finding.Rule, finding.Location));
    }

    [Fact]
    public void A_Dagtekening_on_the_system_date_is_allowed()
    {
        var message = Read("WMO305");

        Assert.True(MessageRules.Evaluate(message, message.Header.BerichtIdentificatie.Dagtekening).IsApproved);
    }

    [Theory]
    [InlineData("999900006", true)]
    [InlineData("123456782", true)]
    [InlineData("123456789", false)]
    [InlineData("000000000", false)]
    [InlineData("12345678", false)]
    public void The_BSN_elfproef_accepts_exactly_the_numbers_whose_weighted_sum_is_a_multiple_of_eleven(string bsn, bool valid)
    {
        Assert.Equal(valid, MessageRules.IsValidBsn(bsn));
    }

    [Fact]
    public void A_BSN_failing_the_elfproef_rejects_the_message_technically_without_showing_the_BSN()
    {
        var verdict = MessageRules.Evaluate(Read("WMO305", x => Replace(x, "999900006", "123456789")), new DateOnly(2026, 11, 22));

        var finding = Assert.Single(verdict.Findings);
        Assert.Equal("0001", finding.RetourCode);
        Assert.Null(finding.Location);
        Assert.Contains("*****6789", finding.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("123456789", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stop_before_its_start_is_rejected_technically()
    {
        var verdict = MessageRules.Evaluate(
            Read("WMO307", x => Replace(x, $"<wmo307:Einddatum>{ReadFirst(x, "Einddatum")}</wmo307:Einddatum>", "<wmo307:Einddatum>2000-01-01</wmo307:Einddatum>")),
            new DateOnly(2026, 11, 22));

        Assert.Contains(verdict.Findings, f => f is { RetourCode: "0001", Rule: "Einddatum>=Begindatum" });
    }

    [Fact]
    public void StatusAanlevering_2_is_rejected_because_corrections_are_delete_and_resend()
    {
        var verdict = MessageRules.Evaluate(Read("WMO305", x => Replace(x, "<wmo305:StatusAanlevering>1</wmo305:StatusAanlevering>", "<wmo305:StatusAanlevering>2</wmo305:StatusAanlevering>")), new DateOnly(2026, 11, 22));

        Assert.Contains(verdict.Findings, f => f is { RetourCode: "0001", Rule: "OP033x2" });
    }

    [Fact]
    public void A_declaration_whose_total_is_not_the_sum_of_its_prestaties_is_rejected_technically()
    {
        var total = ReadFirst(File.ReadAllText(Path.Combine(Reference.Examples, "WMO323.xml")), "TotaalBedrag");
        var verdict = MessageRules.Evaluate(Read("WMO323", x => Replace(x, $"<iwmo:TotaalBedrag>{total}</iwmo:TotaalBedrag>", $"<iwmo:TotaalBedrag>{long.Parse(total, System.Globalization.CultureInfo.InvariantCulture) + 1}</iwmo:TotaalBedrag>")), new DateOnly(2026, 11, 22));

        Assert.Contains(verdict.Findings, f => f is { RetourCode: "0001", Rule: "TotaalIngediendBedrag" });
    }

    [Fact]
    public void A_prestatie_outside_the_declaration_period_is_9319_on_that_prestatie()
    {
        var message = (Wmo323)Read("WMO323");
        var first = message.Declaratie.Clienten[0].Prestaties[0];
        var moved = first with { ProductPeriode = new GeslotenPeriode(message.Declaratie.DeclaratiePeriode.Begindatum.AddDays(-1), first.ProductPeriode.Einddatum) };
        var changed = message with
        {
            Declaratie = message.Declaratie with
            {
                Clienten = [message.Declaratie.Clienten[0] with { Prestaties = [moved, .. message.Declaratie.Clienten[0].Prestaties.Skip(1)] }, .. message.Declaratie.Clienten.Skip(1)],
            },
        };

        var finding = Assert.Single(MessageRules.Evaluate(changed, new DateOnly(2026, 11, 22)).Findings);

        Assert.Equal(("9319", "/Bericht/Declaratie/Clienten/Client/Prestaties/Prestatie"), (finding.RetourCode, finding.Location));
    }

    [Fact]
    public void An_amount_that_is_not_volume_times_tariff_is_9346_on_that_prestatie()
    {
        var message = (Wmo323)Read("WMO323");
        var client = message.Declaratie.Clienten[0];
        var index = client.Prestaties.ToList().FindIndex(p => p.Eenheid != "83" && p.ProductTarief is not null);
        Assert.True(index >= 0, "the example has a prestatie with a tariff");
        var p = client.Prestaties[index];
        var wrong = p with { IngediendBedrag = p.IngediendBedrag with { Bedrag = p.IngediendBedrag.Bedrag + 1 } };
        var prestaties = client.Prestaties.ToList();
        prestaties[index] = wrong;
        var changed = message with
        {
            Declaratie = message.Declaratie with
            {
                TotaalIngediendBedrag = message.Declaratie.TotaalIngediendBedrag with { Bedrag = message.Declaratie.TotaalIngediendBedrag.Bedrag + (wrong.IngediendBedrag.DebetCredit == "D" ? 1 : -1) },
                Clienten = [client with { Prestaties = prestaties }, .. message.Declaratie.Clienten.Skip(1)],
            },
        };

        var finding = Assert.Single(MessageRules.Evaluate(changed, new DateOnly(2026, 11, 22)).Findings);

        Assert.Equal("9346", finding.RetourCode);
        Assert.EndsWith(index == 0 ? "/Prestatie" : $"/Prestatie[{index + 1}]", finding.Location, StringComparison.Ordinal);
    }

    private static string ReadFirst(string xml, string localName)
    {
        var doc = XDocument.Parse(xml);
        return doc.Descendants().First(e => e.Name.LocalName == localName).Value;
    }
}
