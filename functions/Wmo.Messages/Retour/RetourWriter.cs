using System.Globalization;
using System.Xml.Linq;
using System.Xml.Schema;

namespace Wmo.Messages.Retour;

/// <summary>
/// Writes the retour (WMO302, 306, 308, 316, 318, 320) of a heenbericht following the retour pattern (WJ001,
/// IV028, OP065): the heenbericht's header copied unchanged except the BerichtCode, plus IdentificatieRetour,
/// DagtekeningRetour and XsdVersieRetour; header-level codes in the header's RetourCodes; fully approved or
/// technically rejected = header only; when classes are rejected, the body is echoed with RetourCodes on every
/// class: the codes found for it, or 0200 (no remarks). Which elements are classes is read from the retour schema
/// (the complex types that carry RetourCodes), so the writer follows whichever schema folder is configured.
/// </summary>
public sealed class RetourWriter
{
    private static readonly XNamespace B = MessageCatalog.BasisschemaNamespace;
    private readonly SchemaRegistry _schemas;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<MessageType, HashSet<string>> _classes = new();

    public RetourWriter(SchemaRegistry schemas) => _schemas = schemas;

    /// <summary>The XSD version this layer's retours are written against.</summary>
    public const string XsdVersie = "1.0.0";

    /// <summary>
    /// An IdentificatieRetour derived from the heenbericht's key (sender, berichtsoort, Identificatie, Dagtekening):
    /// answering the same heenbericht twice (a retry, a replay) yields the same retour, not a second one.
    /// </summary>
    public static string IdentificatieFor(Model.Header heen)
    {
        var key = $"{heen.Afzender}|{heen.BerichtCode}|{heen.BerichtIdentificatie.Identificatie}|{heen.BerichtIdentificatie.Dagtekening:yyyy-MM-dd}";
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)))[..12];
    }

    public XDocument Write(XDocument heen, RetourVerdict verdict, string identificatieRetour, DateOnly dagtekeningRetour)
    {
        var root = heen.Root ?? throw new ArgumentException("Empty heenbericht.", nameof(heen));
        var heenType = MessageCatalog.FindByNamespace(root.Name.NamespaceName)
            ?? throw new ArgumentException($"'{root.Name}' is not a catalogued message.", nameof(heen));
        var retourType = MessageCatalog.AnswerTo(heenType) is { IsRetour: true } t
            ? t
            : throw new NotSupportedException($"{heenType} is not answered by a retour of this pattern.");
        XNamespace h = heenType.Namespace;
        XNamespace r = retourType.Namespace;

        var header = new XElement(r + "Header", (root.Element(h + "Header") ?? throw new ArgumentException("Heenbericht without header.", nameof(heen)))
            .Elements().Select(e => Rename(e, h, r)));
        header.Element(r + "BerichtCode")!.Value = retourType.BerichtCode;
        header.Add(
            new XElement(r + "IdentificatieRetour", identificatieRetour),
            new XElement(r + "DagtekeningRetour", dagtekeningRetour.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
            new XElement(r + "XsdVersieRetour", new XElement(B + "BasisschemaXsdVersie", XsdVersie), new XElement(B + "BerichtXsdVersie", XsdVersie)));
        var headerCodes = verdict.HeaderFindings.Select(f => f.RetourCode).Distinct().ToList();
        if (headerCodes.Count > 0)
        {
            header.Add(Codes(r, headerCodes));
        }

        var result = new XElement(r + "Bericht",
            new XAttribute(XNamespace.Xmlns + "iwmo", B.NamespaceName),
            new XAttribute(XNamespace.Xmlns + retourType.Name.ToLowerInvariant(), r.NamespaceName),
            header);

        // Only rejected classes make the body come back; a technical rejection is header-only (the message counts as not sent).
        if (verdict.ClassFindings.Any() && !verdict.IsTechnicalRejection)
        {
            var classes = _classes.GetOrAdd(retourType, ClassNames);
            var codes = verdict.ClassFindings.ToLookup(f => f.Location!, f => f.RetourCode);
            foreach (var body in root.Elements().Where(e => e.Name != h + "Header"))
            {
                result.Add(Echo(body, h, r, "/Bericht/" + body.Name.LocalName, classes, codes));
            }
        }

        return new XDocument(new XDeclaration("1.0", "UTF-8", null), result);
    }

    private static XElement Echo(XElement e, XNamespace h, XNamespace r, string path, HashSet<string> classes, ILookup<string, string> codes)
    {
        var copy = new XElement(e.Name.Namespace == h ? r + e.Name.LocalName : e.Name);
        if (!e.HasElements)
        {
            copy.Value = e.Value;
            return copy;
        }

        var seen = new Dictionary<XName, int>();
        foreach (var child in e.Elements())
        {
            var n = seen[child.Name] = seen.GetValueOrDefault(child.Name) + 1;
            var childPath = path + "/" + child.Name.LocalName + (n > 1 ? $"[{n}]" : string.Empty);
            copy.Add(Echo(child, h, r, childPath, classes, codes));
        }

        if (e.Name.Namespace == h && classes.Contains(e.Name.LocalName))
        {
            var found = codes[path].Distinct().ToList();
            copy.Add(Codes(r, found.Count > 0 ? found : [RetourCodes.GeenOpmerking]));
        }

        return copy;
    }

    private static XElement Codes(XNamespace r, IEnumerable<string> codes) =>
        new(r + "RetourCodes", codes.Select(c => new XElement(r + "RetourCode", c)));

    private static XElement Rename(XElement e, XNamespace from, XNamespace to) =>
        new(e.Name.Namespace == from ? to + e.Name.LocalName : e.Name,
            e.HasElements ? e.Elements().Select(c => Rename(c, from, to)) : e.Value);

    private HashSet<string> ClassNames(MessageType retour)
    {
        var set = _schemas.For(retour);
        return set.GlobalTypes.Values.OfType<XmlSchemaComplexType>()
            .Where(t => t.QualifiedName.Namespace == retour.Namespace && t.Name is not ("Header" or "Root"))
            .Where(t => t.ContentTypeParticle is XmlSchemaSequence seq && seq.Items.OfType<XmlSchemaElement>().Any(el => el.QualifiedName.Name == "RetourCodes"))
            .Select(t => t.Name!)
            .ToHashSet(StringComparer.Ordinal);
    }
}
