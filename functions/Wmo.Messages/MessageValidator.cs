using System.Text;
using System.Xml;
using System.Xml.Schema;

namespace Wmo.Messages;

public sealed record MessageValidationOptions
{
    /// <summary>Largest message accepted, in bytes. OP179: iWmo files may be up to 25 MB.</summary>
    public long MaxMessageBytes { get; init; } = 25L * 1000 * 1000;

    /// <summary>Deepest element nesting accepted. iWmo messages nest at most 7 levels; anything far deeper is hostile.</summary>
    public int MaxDepth { get; init; } = 32;

    /// <summary>Errors reported at most per message (the rest are summarised in one line).</summary>
    public int MaxErrors { get; init; } = 100;
}

/// <summary>
/// Layer 1 of the chain's validation: the message must be XML without a DTD, within the size limit, of a known
/// message type (root namespace), and valid against its schema. Every error carries line, column and an XPath-like
/// location. Reading is streaming and bounded, so hostile input (entity expansion, external entities, deep nesting,
/// huge values) is refused without reading it into memory.
/// </summary>
public sealed class MessageValidator
{
    private readonly SchemaRegistry _schemas;
    private readonly MessageValidationOptions _options;

    public MessageValidator(SchemaRegistry schemas, MessageValidationOptions? options = null)
    {
        _schemas = schemas;
        _options = options ?? new MessageValidationOptions();
    }

    public ValidationResult Validate(byte[] xml) => Validate(new MemoryStream(xml, writable: false));

    public ValidationResult Validate(string xml) => Validate(Encoding.UTF8.GetBytes(xml));

    /// <summary>Validates a message. The stream must be seekable (it is read twice: detection, then validation).</summary>
    public ValidationResult Validate(Stream xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        if (!xml.CanSeek)
        {
            throw new ArgumentException("Validation needs a seekable stream.", nameof(xml));
        }

        if (xml.Length > _options.MaxMessageBytes)
        {
            return Fail(null, SchemaErrorCodes.TooLarge,
                $"Message is {xml.Length:N0} bytes; the limit is {_options.MaxMessageBytes:N0} (OP179).");
        }

        var start = xml.Position;
        MessageType? type;
        try
        {
            type = Detect(xml, out var rootName, out var rootNamespace);
            if (type is null)
            {
                return Fail(null, SchemaErrorCodes.UnknownMessage,
                    $"Root element '{rootName}' in namespace '{rootNamespace}' is not an iWmo/iEb message this layer handles.", 1, 1, "/" + rootName);
            }
        }
        catch (XmlException ex)
        {
            return Fail(null, CodeFor(ex), ex.Message, ex.LineNumber, ex.LinePosition);
        }

        if (!_schemas.Has(type))
        {
            return Fail(type, SchemaErrorCodes.NoSchema, $"The schema folder {_schemas.Folder} has no schema for {type}.");
        }

        xml.Position = start;
        return new ValidationResult(type, ValidateAgainstSchema(xml, type));
    }

    private MessageType? Detect(Stream xml, out string rootName, out string rootNamespace)
    {
        using var reader = XmlReader.Create(xml, SafeSettings(), new XmlParserContext(null, null, null, XmlSpace.None));
        reader.MoveToContent();
        rootName = reader.LocalName;
        rootNamespace = reader.NamespaceURI;
        return reader.LocalName == "Bericht" ? MessageCatalog.FindByNamespace(reader.NamespaceURI) : null;
    }

    private List<ValidationError> ValidateAgainstSchema(Stream xml, MessageType type)
    {
        var errors = new List<ValidationError>();
        var path = new ElementPath();
        var settings = SafeSettings();
        settings.ValidationType = ValidationType.Schema;
        settings.Schemas = _schemas.For(type);
        settings.ValidationFlags = XmlSchemaValidationFlags.ReportValidationWarnings;
        var truncated = false;
        XmlReader? current = null;
        settings.ValidationEventHandler += (_, e) =>
        {
            if (errors.Count >= _options.MaxErrors)
            {
                truncated = true;
                return;
            }

            errors.Add(new ValidationError(ValidationLayer.Schema, SchemaErrorCodes.Xsd, e.Message,
                e.Exception?.LineNumber, e.Exception?.LinePosition, path.LocationOf(current)));
        };

        try
        {
            using var reader = XmlReader.Create(xml, settings);
            current = reader;
            while (reader.Read())
            {
                if (reader.NodeType == XmlNodeType.Element)
                {
                    if (reader.Depth >= _options.MaxDepth)
                    {
                        errors.Add(Error(SchemaErrorCodes.TooDeep, $"Elements nest deeper than {_options.MaxDepth} levels.", reader, path.LocationOf(reader)));
                        break;
                    }

                    path.Enter(reader.LocalName, reader.IsEmptyElement);
                }
                else if (reader.NodeType == XmlNodeType.EndElement)
                {
                    path.Leave();
                }
            }
        }
        catch (XmlException ex)
        {
            errors.Add(new ValidationError(ValidationLayer.Schema, CodeFor(ex), ex.Message, ex.LineNumber, ex.LinePosition, path.Current));
        }

        if (truncated)
        {
            errors.Add(new ValidationError(ValidationLayer.Schema, SchemaErrorCodes.Xsd, $"More errors were found; only the first {_options.MaxErrors} are listed."));
        }

        return errors;
    }

    private XmlReaderSettings SafeSettings() => new()
    {
        // No DTDs at all (no XXE, no entity expansion), nothing fetched, and a hard ceiling on what is read.
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersFromEntities = 0,
        MaxCharactersInDocument = _options.MaxMessageBytes,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        CloseInput = false,
    };

    private static string CodeFor(XmlException ex) =>
        ex.Message.Contains("DTD", StringComparison.Ordinal) ? SchemaErrorCodes.DtdProhibited : SchemaErrorCodes.NotXml;

    private static ValidationError Error(string code, string message, XmlReader reader, string? location) =>
        new(ValidationLayer.Schema, code, message, (reader as IXmlLineInfo)?.LineNumber, (reader as IXmlLineInfo)?.LinePosition, location);

    private static ValidationResult Fail(MessageType? type, string code, string message, int? line = null, int? column = null, string? location = null) =>
        new(type, [new ValidationError(ValidationLayer.Schema, code, message, line, column, location)]);

    /// <summary>Tracks where the reader is as /Bericht/Client/StartProducten/StartProduct[2] (index from the second sibling on).</summary>
    private sealed class ElementPath
    {
        private readonly List<(string Name, Dictionary<string, int> Children)> _stack = [];
        private readonly Dictionary<string, int> _rootChildren = [];

        public string Current => _stack.Count == 0 ? "/" : string.Concat(_stack.Select(s => "/" + s.Name));

        public void Enter(string name, bool isEmpty)
        {
            var siblings = _stack.Count == 0 ? _rootChildren : _stack[^1].Children;
            var n = siblings.GetValueOrDefault(name) + 1;
            siblings[name] = n;
            _stack.Add((n > 1 ? $"{name}[{n}]" : name, []));
            if (isEmpty)
            {
                Leave();
            }
        }

        public void Leave()
        {
            if (_stack.Count > 0)
            {
                _stack.RemoveAt(_stack.Count - 1);
            }
        }

        /// <summary>Where a validation event for the reader's current node belongs.</summary>
        public string LocationOf(XmlReader? reader)
        {
            if (reader?.NodeType == XmlNodeType.Element)
            {
                // The start tag being validated is not on the stack yet.
                var siblings = _stack.Count == 0 ? _rootChildren : _stack[^1].Children;
                var n = siblings.GetValueOrDefault(reader.LocalName) + 1;
                return Current.TrimEnd('/') + "/" + (n > 1 ? $"{reader.LocalName}[{n}]" : reader.LocalName);
            }

            return Current;
        }
    }
}
