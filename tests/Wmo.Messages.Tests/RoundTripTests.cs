using System.Xml.Linq;
using Wmo.Messages.Model;

namespace Wmo.Messages.Tests;

public class RoundTripTests
{
    public static TheoryData<string> HeenExamples() => Reference.ExampleNames();

    [Theory]
    [MemberData(nameof(HeenExamples))]
    public void Every_official_example_round_trips_through_the_model_with_the_same_infoset(string file)
    {
        var original = XDocument.Load(Path.Combine(Reference.Examples, file));

        var message = IwmoXml.Read(original);
        var written = IwmoXml.Write(message);

        Assert.Equal(Infoset(original.Root!), Infoset(written.Root!));
        Assert.Equal(Path.GetFileNameWithoutExtension(file), message.Type.Name);
    }

    [Theory]
    [MemberData(nameof(HeenExamples))]
    public void What_the_writer_produces_is_valid_against_the_project_schema(string file)
    {
        var written = IwmoXml.Write(IwmoXml.Read(XDocument.Load(Path.Combine(Reference.Examples, file))));

        var result = new MessageValidator(Reference.Project).Validate(written.Declaration + written.ToString());

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
    }

    [Fact]
    public void The_model_carries_the_values_the_chain_rules_need()
    {
        var start = (Wmo305)IwmoXml.Read(XDocument.Load(Path.Combine(Reference.Examples, "WMO305.xml")));

        Assert.Equal("65656055", start.Header.Afzender);
        Assert.Equal("0363", start.Header.Ontvanger);
        Assert.Equal(new BerichtIdentificatie("123456789013", new DateOnly(2025, 4, 5)), start.Header.BerichtIdentificatie);
        Assert.Equal("999900006", start.Client.Bsn);
        Assert.Equal(new DateOnly(2025, 4, 4), start.Client.StartProducten[1].Begindatum);
        Assert.All(start.Client.StartProducten, p => Assert.Equal("1", p.StatusAanlevering));
    }

    [Fact]
    public void Amounts_are_read_as_eurocents_with_their_sign()
    {
        var declaratie = (Wmo323)IwmoXml.Read(XDocument.Load(Path.Combine(Reference.Examples, "WMO323.xml")));

        var total = declaratie.Declaratie.TotaalIngediendBedrag;
        var sum = declaratie.Declaratie.Clienten.SelectMany(c => c.Prestaties).Sum(p => p.IngediendBedrag.Signed);
        Assert.Equal(total.Signed, sum);
    }

    [Fact]
    public void Reading_a_document_that_lacks_a_required_element_names_what_is_missing()
    {
        var doc = XDocument.Load(Path.Combine(Reference.Examples, "WMO305.xml"));
        doc.Root!.Descendants().First(e => e.Name.LocalName == "Bsn").Remove();

        var ex = Assert.Throws<MessageFormatException>(() => IwmoXml.Read(doc));

        Assert.Contains("/Bericht/Client has no Bsn", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>Elements with namespace, order and text of leaves; attributes other than namespace declarations.</summary>
    private static string Infoset(XElement e) =>
        e.HasElements
            ? $"<{e.Name}{Attributes(e)}>" + string.Concat(e.Elements().Select(Infoset)) + $"</{e.Name}>"
            : $"<{e.Name}{Attributes(e)}>{e.Value}</{e.Name}>";

    private static string Attributes(XElement e) =>
        string.Concat(e.Attributes().Where(a => !a.IsNamespaceDeclaration).OrderBy(a => a.Name.ToString()).Select(a => $" {a.Name}=\"{a.Value}\""));
}
