using Wmo.Testing;

namespace Wmo.Messages.Tests;

/// <summary>
/// The official iWmo 3.2 material in ../shared/reference (never copied into this repository). CI always has it;
/// without it these tests fail with a message that says where to get it.
/// </summary>
internal static class Reference
{
    public static string Root => Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared", "reference"));

    public static string Examples => Existing(Path.Combine(Root, "iwmo-3.2", "examples"));

    public static string OfficialXsd => Existing(Path.Combine(Root, "iwmo-3.2", "xsd"));

    public static IEnumerable<string> ExampleFiles => Directory.EnumerateFiles(Examples, "*.xml").Order();

    public static TheoryData<string> ExampleNames()
    {
        var data = new TheoryData<string>();
        foreach (var file in ExampleFiles)
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    private static string Existing(string dir) => Directory.Exists(dir)
        ? dir
        : throw new DirectoryNotFoundException(
            $"{dir} is missing. These conformance tests need the official iWmo 3.2 XSDs and examples (istandaarden.nl, release iWmo 3.2) in ../shared/reference.");

    private static readonly Lazy<SchemaRegistry> OfficialRegistry = new(() =>
        SchemaRegistry.Load(OfficialXsd, MessageCatalog.All.Where(m => m.AnswersTo is null)));
    private static readonly Lazy<SchemaRegistry> ProjectRegistry = new(() => SchemaRegistry.Load());

    /// <summary>The official XSDs, loaded through the same registry an operator would point at them.</summary>
    public static SchemaRegistry Official => OfficialRegistry.Value;

    /// <summary>The project's own schemas (copied beside the test binaries).</summary>
    public static SchemaRegistry Project => ProjectRegistry.Value;

    public static string IjwRetourExamples => Existing(Path.Combine(Root, "ijw-3.2-retour", "examples"));

    /// <summary>
    /// An official iJw 3.2 retour example in iWmo form: iJw namespaces moved to iWmo, the iWmo BerichtCode, without
    /// the youth-care-only elements (GezagsdragerBekend, Woonplaatsbeginsel) and with an iWmo product category in
    /// place of the youth-care ones (31, 45, …). iWmo retours follow the iJw retour pattern (shared/README.md).
    /// </summary>
    public static System.Xml.Linq.XDocument IjwRetourInIwmoForm(string file, MessageType type)
    {
        var doc = System.Xml.Linq.XDocument.Load(Path.Combine(IjwRetourExamples, file));
        var converted = new System.Xml.Linq.XDocument(ToIwmo(doc.Root!, type));
        converted.Root!.Add(
            new System.Xml.Linq.XAttribute(System.Xml.Linq.XNamespace.Xmlns + "iwmo", MessageCatalog.BasisschemaNamespace),
            new System.Xml.Linq.XAttribute(System.Xml.Linq.XNamespace.Xmlns + type.Name.ToLowerInvariant(), type.Namespace));
        return converted;
    }

    private static System.Xml.Linq.XElement ToIwmo(System.Xml.Linq.XElement e, MessageType type)
    {
        var ns = e.Name.NamespaceName.Replace("/ijw/3_2/", "/iwmo/3_2/", StringComparison.Ordinal).Replace("/jw3", "/wmo3", StringComparison.Ordinal);
        var copy = new System.Xml.Linq.XElement(System.Xml.Linq.XName.Get(e.Name.LocalName, ns));
        foreach (var child in e.Elements().Where(c => c.Name.LocalName is not ("GezagsdragerBekend" or "Woonplaatsbeginsel")))
        {
            copy.Add(ToIwmo(child, type));
        }

        if (!e.HasElements)
        {
            copy.Value = e.Name.LocalName switch
            {
                "BerichtCode" => type.BerichtCode,
                "Categorie" or "ProductCategorie" => "02",
                _ => e.Value,
            };
        }

        return copy;
    }
}
