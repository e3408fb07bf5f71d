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

    private readonly Lazy<XmlSchemaSet> _all;
    private readonly Lazy<Dictionary<MessageType, CompiledSchema>?> _compiled;

    private SchemaRegistry(string folder)
    {
        Folder = folder;
        _all = new Lazy<XmlSchemaSet>(CompileAll);
        _compiled = new Lazy<Dictionary<MessageType, CompiledSchema>?>(CompileFast);
    }

    public string Folder { get; }

    /// <summary>The project's schemas, copied beside the binaries at build time.</summary>
    public static string DefaultFolder => Path.Combine(AppContext.BaseDirectory, "schemas");

    /// <summary>
    /// Loads and compiles, now, the schemas of <paramref name="types"/> (default: every catalogued message) that the
    /// folder holds, so a broken schema fails at start-up. A folder without basisschema or without any of them is
    /// refused; a message whose schema the folder lacks is reported as such when one arrives.
    /// </summary>
    public static SchemaRegistry Load(string? folder = null, IEnumerable<MessageType>? types = null)
    {
        var registry = new SchemaRegistry(Path.GetFullPath(folder ?? DefaultFolder));
        if (registry.Locate(MessageCatalog.BasisschemaFile) is null)
        {
            throw new FileNotFoundException($"Schema {MessageCatalog.BasisschemaFile} not found in schema folder {registry.Folder}.");
        }

        var present = (types ?? MessageCatalog.All).Where(registry.Has).ToList();
        if (present.Count == 0)
        {
            throw new FileNotFoundException($"Schema folder {registry.Folder} holds no message schema.");
        }

        foreach (var type in present)
        {
            registry.For(type);
        }

        _ = registry.All;
        return registry;
    }

    /// <summary>Whether the folder has a schema for <paramref name="type"/>.</summary>
    public bool Has(MessageType type) => Locate(type.SchemaFile) is not null;

    public XmlSchemaSet For(MessageType type) => _sets.GetOrAdd(type, Compile);

    /// <summary>
    /// One compiled set with every message schema the folder holds: a validating reader picks the schema by the
    /// root element's namespace, so a message is detected and validated in a single pass.
    /// </summary>
    public XmlSchemaSet All => _all.Value;

    /// <summary>
    /// The compiled fast-path rules of every message schema the folder holds, or null when any of them uses an XSD
    /// feature the compiled check does not cover (then the framework's validator does all the work).
    /// </summary>
    internal Dictionary<MessageType, CompiledSchema>? Compiled => _compiled.Value;

    private Dictionary<MessageType, CompiledSchema>? CompileFast()
    {
        var result = new Dictionary<MessageType, CompiledSchema>();
        foreach (var type in MessageCatalog.All.Where(Has))
        {
            if (CompiledSchema.TryCompile(For(type), type) is not { } compiled)
            {
                return null;
            }

            result[type] = compiled;
        }

        return result;
    }

    private XmlSchemaSet CompileAll()
    {
        var set = new XmlSchemaSet { XmlResolver = null };
        set.Add(ReadSchema(MessageCatalog.BasisschemaFile));
        foreach (var type in MessageCatalog.All.Where(Has))
        {
            set.Add(ReadSchema(type.SchemaFile));
        }

        set.Compile();
        return set;
    }

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
