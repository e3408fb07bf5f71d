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
public sealed record MessageType(string Name, string BerichtCode, string Namespace, string SchemaFile, PartyKind Sender, PartyKind Receiver)
{
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

    public static IReadOnlyList<MessageType> All { get; } = [Wmo301, Wmo305, Wmo307, Wmo315, Wmo317, Wmo319, Wmo323];

    private static readonly Dictionary<string, MessageType> ByNamespace = All.ToDictionary(m => m.Namespace, StringComparer.Ordinal);

    public static MessageType? FindByNamespace(string ns) => ByNamespace.GetValueOrDefault(ns);

    public static MessageType? FindByName(string name) =>
        All.FirstOrDefault(m => m.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    private static MessageType Iwmo(string name, string code, PartyKind sender, PartyKind receiver)
    {
        var lower = name.ToLowerInvariant();
        return new MessageType(name, code, $"http://www.istandaarden.nl/iwmo/3_2/{lower}/schema", $"iwmo-3.2/{lower}.xsd", sender, receiver);
    }
}
