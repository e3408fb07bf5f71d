using System.Xml.Linq;
using Wmo.Messages.Model;
using Wmo.Messages.Retour;

namespace Wmo.Messages.Tests;

public class AnswerTests
{
    private static readonly DateOnly Today = new(2026, 11, 22);

    private static Wmo323 Declaratie() => (Wmo323)IwmoXml.Read(XDocument.Load(Path.Combine(Reference.Examples, "WMO323.xml")));

    private static void AssertValid(XDocument doc)
    {
        var result = new MessageValidator(Reference.Project).Validate(doc.Declaration + doc.ToString());
        Assert.True(result.IsValid, string.Join("\n", result.Errors) + "\n" + doc);
    }

    [Fact]
    public void A_fully_approved_declaration_is_answered_with_header_0200_and_8001_and_the_full_amount()
    {
        var heen = Declaratie();

        var answer = DeclaratieAntwoordWriter.Answer(heen, RetourVerdict.Approved, "A-1", Today);

        AssertValid(IwmoXml.Write(answer));
        Assert.Equal(["0200"], answer.HeaderCodes);
        Assert.Equal(["8001"], answer.Antwoord!.Codes);
        Assert.Empty(answer.Antwoord.Clienten);
        Assert.Equal(heen.Declaratie.TotaalIngediendBedrag.Signed, answer.Antwoord.TotaalToegekendBedrag.Signed);
        Assert.Equal((heen.Header.Ontvanger, heen.Header.Afzender), (answer.Header.Afzender, answer.Header.Ontvanger));
        Assert.Equal(heen.Header.BerichtIdentificatie, answer.DeclaratieIdentificatie);
    }

    [Fact]
    public void A_rejected_prestatie_comes_back_alone_with_its_codes_and_is_not_awarded()
    {
        var heen = Declaratie();
        var rejected = heen.Declaratie.Clienten[0].Prestaties[0];
        var verdict = new RetourVerdict([new Finding("9346", "TR346", "x", DeclaratieAntwoordWriter.PrestatieLocation(0, 0))]);

        var answer = DeclaratieAntwoordWriter.Answer(heen, verdict, "A-2", Today);

        AssertValid(IwmoXml.Write(answer));
        Assert.Equal(["0200"], answer.Antwoord!.Codes);
        var client = Assert.Single(answer.Antwoord.Clienten);
        var prestatie = Assert.Single(client.Prestaties);
        Assert.Equal(rejected, prestatie.Prestatie);
        Assert.Equal(["9346"], prestatie.Codes);
        Assert.Equal(heen.Declaratie.TotaalIngediendBedrag.Signed - rejected.IngediendBedrag.Signed, answer.Antwoord.TotaalToegekendBedrag.Signed);
    }

    [Fact]
    public void A_technically_rejected_declaration_gets_a_header_only_answer_with_0001()
    {
        var answer = DeclaratieAntwoordWriter.Answer(Declaratie(), new RetourVerdict([new Finding("0001", "TotaalIngediendBedrag", "x")]), "A-3", Today);

        AssertValid(IwmoXml.Write(answer));
        Assert.Equal(["0001"], answer.HeaderCodes);
        Assert.Null(answer.Antwoord);
    }

    [Fact]
    public void The_iJw_325_example_in_iWmo_form_round_trips_through_the_model()
    {
        var doc = IjwExample("JW325.xml", MessageCatalog.Wmo325);

        var answer = (Wmo325)IwmoXml.Read(doc);
        var written = IwmoXml.Write(answer);

        Assert.Equal(Normalize(doc), Normalize(written));
        Assert.Equal(["0200"], answer.HeaderCodes);
        Assert.Equal(2, answer.Antwoord!.Clienten.Count);
    }

    [Fact]
    public void A_received_retour_is_read_with_its_header_codes_and_the_codes_of_every_echoed_class()
    {
        var retour = Assert.IsType<RetourBericht>(IwmoXml.Read(IjwExample("JW316.xml", MessageCatalog.Wmo316)));

        Assert.Equal(MessageCatalog.Wmo316, retour.Type);
        Assert.False(retour.IsApproved);
        Assert.Contains(retour.Classes, c => c.ClassName == "Client");
        Assert.All(retour.Classes.Where(c => c.ClassName == "AangevraagdProduct"), c => Assert.True(c.Values.ContainsKey("ReferentieAanbieder")));
    }

    [Fact]
    public void A_retour_the_layer_wrote_is_read_back_as_approved()
    {
        var heen = XDocument.Load(Path.Combine(Reference.Examples, "WMO305.xml"));
        var written = new RetourWriter(Reference.Project).Write(heen, RetourVerdict.Approved, "R-9", Today);

        var retour = Assert.IsType<RetourBericht>(IwmoXml.Read(written));

        Assert.True(retour.IsApproved);
        Assert.Equal("R-9", retour.IdentificatieRetour);
        Assert.Equal(IwmoXml.Read(heen).Header.BerichtIdentificatie, retour.Header.BerichtIdentificatie);
    }

    private static string Normalize(XDocument d) => d.Root!.ToString(SaveOptions.DisableFormatting)
        .Replace(" xmlns:iwmo=\"" + MessageCatalog.BasisschemaNamespace + "\"", string.Empty, StringComparison.Ordinal);

    private static XDocument IjwExample(string file, MessageType type) => Reference.IjwRetourInIwmoForm(file, type);
}
