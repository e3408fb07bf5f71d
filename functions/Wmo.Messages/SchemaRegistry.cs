using System.Collections.Concurrent;
using System.Xml;
using System.Xml.Schema;

namespace Wmo.Messages;

/// <summary>
/// Compiled schemas per message type, from a schema folder: the project's own <c>schemas/</c> (copied beside the
/// binaries) by default, or another folder an operator points at (for instance the official set). Each message gets
/// its own compiled set of basisschema + message schema; sets are compiled once and are thread-safe to share.
/// </summary>
public sealed class SchemaRegistry
{
    private readonly ConcurrentDictionary<MessageType, XmlSchemaSet> _sets = new();

    private SchemaRegistry(string folder)
    {
        Folder = folder;
    }

    public string Folder { get; }

    /// <summary>The project's schemas, copied beside the binaries at build time.</summary>
    public static string DefaultFolder => Path.Combine(AppContext.BaseDirectory, "schemas");

    /// <summary>
    /// Loads and compiles the schemas of <paramref name="types"/> (default: every catalogued message) now, so a broken
    /// folder fails at start-up; other types compile on first use.
    /// </summary>
    public static SchemaRegistry Load(string? folder = null, IEnumerable<MessageType>? types = null)
    {
        var registry = new SchemaRegistry(Path.GetFullPath(folder ?? DefaultFolder));
        foreach (var type in types ?? MessageCatalog.All)
        {
            registry.For(type);
        }

        return registry;
    }

    public XmlSchemaSet For(MessageType type) => _sets.GetOrAdd(type, Compile);

    private XmlSchemaSet Compile(MessageType type)
    {
        // Imports are satisfied by adding basisschema ourselves: no resolver, so a schema can never fetch anything.
        var set = new XmlSchemaSet { XmlResolver = null };
        set.Add(ReadSchema(MessageCatalog.BasisschemaFile));
        set.Add(ReadSchema(type.SchemaFile));
        set.Compile();
        return set;
    }

    private XmlSchema ReadSchema(string relative)
    {
        var path = Locate(relative)
            ?? throw new FileNotFoundException($"Schema {relative} not found in schema folder {Folder}.", Path.Combine(Folder, relative));

        using var reader = XmlReader.Create(path, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
        return XmlSchema.Read(reader, (_, e) => throw new XmlSchemaException($"{relative}: {e.Message}", e.Exception))
            ?? throw new XmlSchemaException($"{relative} is not a schema.");
    }

    // Our layout (iwmo-3.2/wmo305.xsd), or the official download's flat folder (WMO305.xsd, basisschema.xsd):
    // file names are matched without regard to case so an operator can drop the official set in as it comes.
    private string? Locate(string relative)
    {
        var exact = Path.Combine(Folder, relative);
        if (File.Exists(exact))
        {
            return exact;
        }

        var fileName = Path.GetFileName(relative);
        foreach (var dir in new[] { Path.GetDirectoryName(exact)!, Folder }.Where(Directory.Exists))
        {
            var match = Directory.EnumerateFiles(dir, "*.xsd")
                .FirstOrDefault(f => Path.GetFileName(f).Equals(fileName, StringComparison.OrdinalIgnoreCase));
            if (match is not null)
            {
                return match;
            }
        }

        return null;
    }
}
