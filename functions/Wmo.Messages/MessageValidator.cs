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

    /// <summary>
    /// Validates a message in one streaming pass: the root element names the message type (its namespace), and the
    /// reader validates against the compiled set of all message schemas, which picks the schema by that namespace.
    /// </summary>
    public ValidationResult Validate(Stream xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        if (xml.CanSeek && xml.Length - xml.Position > _options.MaxMessageBytes)
        {
            return Fail(null, SchemaErrorCodes.TooLarge,
                $"Message is {xml.Length - xml.Position:N0} bytes; the limit is {_options.MaxMessageBytes:N0} (OP179).");
        }

        var errors = new List<ValidationError>();
        var path = new ElementPath();
        var settings = SafeSettings();
        settings.ValidationType = ValidationType.Schema;
        settings.Schemas = _schemas.All;
        var truncated = false;
        XmlReader? current = null;
        MessageType? type = null;
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
                    if (type is null && RootProblem(reader, out type) is { } problem)
                    {
                        // Not a message this layer handles (or no schema for it): say so instead of listing schema noise.
                        return new ValidationResult(type, [problem]);
                    }

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
            var code = CodeFor(ex);
            if (code == SchemaErrorCodes.NotXml && ex.Message.Contains("MaxCharactersInDocument", StringComparison.Ordinal))
            {
                code = SchemaErrorCodes.TooLarge;
            }

            errors.Add(new ValidationError(ValidationLayer.Schema, code, ex.Message, ex.LineNumber, ex.LinePosition, path.Current));
        }

        if (truncated)
        {
            errors.Add(new ValidationError(ValidationLayer.Schema, SchemaErrorCodes.Xsd, $"More errors were found; only the first {_options.MaxErrors} are listed."));
        }

        return new ValidationResult(type, errors);
    }

    private ValidationError? RootProblem(XmlReader root, out MessageType? type)
    {
        type = root.LocalName == "Bericht" ? MessageCatalog.FindByNamespace(root.NamespaceURI) : null;
        if (type is null)
        {
            return new ValidationError(ValidationLayer.Schema, SchemaErrorCodes.UnknownMessage,
                $"Root element '{root.LocalName}' in namespace '{root.NamespaceURI}' is not an iWmo/iEb message this layer handles.", 1, 1, "/" + root.LocalName);
        }

        return _schemas.Has(type)
            ? null
            : new ValidationError(ValidationLayer.Schema, SchemaErrorCodes.NoSchema, $"The schema folder {_schemas.Folder} has no schema for {type}.");
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

    /// <summary>
    /// Tracks where the reader is, for locations such as /Bericht/Client/StartProducten/StartProduct[2] (index from the
    /// second sibling on). It runs for every element of every message, so it keeps only names (atomized by the
    /// reader) and counters in reused lists, and builds a string only when an error needs one.
    /// </summary>
    private sealed class ElementPath
    {
        private readonly List<(string Name, int Index)> _stack = new(16);
        private readonly List<List<(string Name, int Count)>> _children = [new()];

        public string Current => _stack.Count == 0 ? "/" : string.Concat(_stack.Select(s => "/" + Segment(s.Name, s.Index)));

        public void Enter(string name, bool isEmpty)
        {
            var index = Count(_stack.Count, name, increment: true);
            _stack.Add((name, index));
            if (_children.Count <= _stack.Count)
            {
                _children.Add(new List<(string, int)>(8));
            }

            _children[_stack.Count].Clear();
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
                var n = Count(_stack.Count, reader.LocalName, increment: false) + 1;
                return Current.TrimEnd('/') + "/" + Segment(reader.LocalName, n);
            }

            return Current;
        }

        private int Count(int level, string name, bool increment)
        {
            var siblings = _children[level];
            for (var i = 0; i < siblings.Count; i++)
            {
                if (string.Equals(siblings[i].Name, name, StringComparison.Ordinal))
                {
                    if (!increment)
                    {
                        return siblings[i].Count;
                    }

                    var count = siblings[i].Count + 1;
                    siblings[i] = (name, count);
                    return count;
                }
            }

            if (increment)
            {
                siblings.Add((name, 1));
                return 1;
            }

            return 0;
        }

        private static string Segment(string name, int index) => index > 1 ? $"{name}[{index}]" : name;
    }
}
