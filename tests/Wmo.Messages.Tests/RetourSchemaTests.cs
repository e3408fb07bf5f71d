using System.Xml.Linq;

namespace Wmo.Messages.Tests;

/// <summary>
/// iWmo retours follow the iJw retour pattern with wmo namespaces (shared/README.md). The official iJw 3.2 retour
/// examples, moved into the iWmo namespaces with their iWmo BerichtCode and without the two youth-care-only
/// elements (GezagsdragerBekend, Woonplaatsbeginsel) and with an iWmo product category in place of the youth-care
/// ones (31, 45, …), must be valid against the project's retour schemas.
/// </summary>
public class RetourSchemaTests
{
    private const string IjwPrefix = "http://www.istandaarden.nl/ijw/3_2/";
    private const string IwmoPrefix = "http://www.istandaarden.nl/iwmo/3_2/";

    public static TheoryData<string> IjwRetourExamples()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Reference.Root, "ijw-3.2-retour", "examples"), "*.xml").Order())
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(IjwRetourExamples))]
    public void The_iJw_retour_examples_in_iWmo_form_are_valid_against_the_project_retour_schemas(string file)
    {
        var type = MessageCatalog.FindByName("WMO" + Path.GetFileNameWithoutExtension(file)[2..])!;
        var doc = XDocument.Load(Path.Combine(Reference.Root, "ijw-3.2-retour", "examples", file));
        var iwmo = ToIwmo(doc.Root!, type);

        var result = new MessageValidator(Reference.Project).Validate(new XDocument(iwmo).ToString());

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(type, result.MessageType);
    }

    private static XElement ToIwmo(XElement e, MessageType type)
    {
        var ns = e.Name.NamespaceName.StartsWith(IjwPrefix, StringComparison.Ordinal)
            ? IwmoPrefix + e.Name.NamespaceName[IjwPrefix.Length..].Replace("jw3", "wmo3", StringComparison.Ordinal)
            : e.Name.NamespaceName;
        var copy = new XElement(XName.Get(e.Name.LocalName, ns));
        if (e.Name.LocalName == "BerichtCode")
        {
            copy.Value = type.BerichtCode;
            return copy;
        }

        foreach (var child in e.Elements().Where(c => c.Name.LocalName is not ("GezagsdragerBekend" or "Woonplaatsbeginsel")))
        {
            copy.Add(ToIwmo(child, type));
        }

        if (!e.HasElements)
        {
            copy.Value = e.Name.LocalName is "Categorie" or "ProductCategorie" ? "02" : e.Value;
        }

        return copy;
    }
}
