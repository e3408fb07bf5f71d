namespace Wmo.Messages;

/// <summary>The kind of party a message travels from or to.</summary>
public enum PartyKind
{
    Gemeente,
    Aanbieder,
    Cak,
}

/// <summary>One message type of the chain: its name, BerichtCode, namespace and schema file.</summary>
/// <param name="Name">Official name, e.g. WMO305.</param>
/// <param name="BerichtCode">The header's BerichtCode (Vektis COD002), e.g. 418.</param>
/// <param name="Namespace">Target namespace of the root element.</param>
/// <param name="SchemaFile">File name of the project's schema, relative to the schema folder.</param>
/// <param name="Sender">The kind of party that sends it. For a retour that is the heenbericht's addressee, although
/// the retour's header keeps the heenbericht's Afzender and Ontvanger unchanged (IV028).</param>
/// <param name="AnswersTo">For a retour or WMO325: the name of the message it answers.</param>
public sealed record MessageType(
    string Name, string BerichtCode, string Namespace, string SchemaFile, PartyKind Sender, PartyKind Receiver, string? AnswersTo = null)
{
    /// <summary>A retour in the strict sense: header copied from the heenbericht, plus the retour fields.</summary>
    public bool IsRetour => AnswersTo is not null && Name != "WMO325";

    public override string ToString() => Name;
}

/// <summary>Every message the layer validates, found by root namespace.</summary>
public static class MessageCatalog
{
    public const string BasisschemaNamespace = "http://www.istandaarden.nl/iwmo/3_2/basisschema/schema";
    public const string BasisschemaFile = "iwmo-3.2/basisschema.xsd";

    public static readonly MessageType Wmo301 = Iwmo("WMO301", "414", PartyKind.Gemeente, PartyKind.Aanbieder);
    public static readonly MessageType Wmo305 = Iwmo("WMO305", "418", PartyKind.Aanbieder, PartyKind.Gemeente);
    public static readonly MessageType Wmo307 = Iwmo("WMO307", "420", PartyKind.Aanbieder, PartyKind.Gemeente);
    public static readonly MessageType Wmo315 = Iwmo("WMO315", "444", PartyKind.Aanbieder, PartyKind.Gemeente);
    public static readonly MessageType Wmo317 = Iwmo("WMO317", "480", PartyKind.Aanbieder, PartyKind.Gemeente);
    public static readonly MessageType Wmo319 = Iwmo("WMO319", "482", PartyKind.Gemeente, PartyKind.Aanbieder);
    public static readonly MessageType Wmo323 = Iwmo("WMO323", "484", PartyKind.Aanbieder, PartyKind.Gemeente);

    public static readonly MessageType Wmo302 = Iwmo("WMO302", "415", PartyKind.Aanbieder, PartyKind.Gemeente, Wmo301);
    public static readonly MessageType Wmo306 = Iwmo("WMO306", "419", PartyKind.Gemeente, PartyKind.Aanbieder, Wmo305);
    public static readonly MessageType Wmo308 = Iwmo("WMO308", "421", PartyKind.Gemeente, PartyKind.Aanbieder, Wmo307);
    public static readonly MessageType Wmo316 = Iwmo("WMO316", "445", PartyKind.Gemeente, PartyKind.Aanbieder, Wmo315);
    public static readonly MessageType Wmo318 = Iwmo("WMO318", "481", PartyKind.Gemeente, PartyKind.Aanbieder, Wmo317);
    public static readonly MessageType Wmo320 = Iwmo("WMO320", "483", PartyKind.Aanbieder, PartyKind.Gemeente, Wmo319);
    public static readonly MessageType Wmo325 = Iwmo("WMO325", "485", PartyKind.Gemeente, PartyKind.Aanbieder, Wmo323);

    // iEb 4.0, gemeente <-> CAK. Namespaces, codes and structure are assumptions (schemas/README.md, "iEb 4.0").
    public static readonly MessageType Wmo405 = Ieb("WMO405", "405", PartyKind.Gemeente, PartyKind.Cak);
    public static readonly MessageType Wmo406 = Ieb("WMO406", "406", PartyKind.Cak, PartyKind.Gemeente, Wmo405);
    public static readonly MessageType Wmo407 = Ieb("WMO407", "407", PartyKind.Gemeente, PartyKind.Cak);
    public static readonly MessageType Wmo408 = Ieb("WMO408", "408", PartyKind.Cak, PartyKind.Gemeente, Wmo407);

    public static IReadOnlyList<MessageType> All { get; } =
    [
        Wmo301, Wmo302, Wmo305, Wmo306, Wmo307, Wmo308, Wmo315, Wmo316, Wmo317, Wmo318, Wmo319, Wmo320, Wmo323, Wmo325,
        Wmo405, Wmo406, Wmo407, Wmo408,
    ];

    /// <summary>The message that answers <paramref name="heen"/> (its retour, or WMO325 for a WMO323).</summary>
    public static MessageType? AnswerTo(MessageType heen) => All.FirstOrDefault(m => m.AnswersTo == heen.Name);

    private static readonly Dictionary<string, MessageType> ByNamespace = All.ToDictionary(m => m.Namespace, StringComparer.Ordinal);

    public static MessageType? FindByNamespace(string ns) => ByNamespace.GetValueOrDefault(ns);

    public static MessageType? FindByName(string name) =>
        All.FirstOrDefault(m => m.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    private static MessageType Ieb(string name, string code, PartyKind sender, PartyKind receiver, MessageType? answers = null)
    {
        var lower = name.ToLowerInvariant();
        return new MessageType(name, code, $"http://www.istandaarden.nl/ieb/4_0/{lower}/schema", $"ieb-4.0/{lower}.xsd", sender, receiver, answers?.Name);
    }

    private static MessageType Iwmo(string name, string code, PartyKind sender, PartyKind receiver, MessageType? answers = null)
    {
        var lower = name.ToLowerInvariant();
        return new MessageType(name, code, $"http://www.istandaarden.nl/iwmo/3_2/{lower}/schema", $"iwmo-3.2/{lower}.xsd", sender, receiver, answers?.Name);
    }
}
