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

    /// <summary>
    /// Use the compiled fast check when every schema compiles (default). False forces the framework's XSD validator,
    /// which the tests use as the reference for the compiled check's verdicts.
    /// </summary>
    public bool UseCompiledSchemas { get; init; } = true;
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

    private readonly Dictionary<MessageType, CompiledSchema>? _compiled;

    public MessageValidator(SchemaRegistry schemas, MessageValidationOptions? options = null)
    {
        _schemas = schemas;
        _options = options ?? new MessageValidationOptions();
        _compiled = _options.UseCompiledSchemas ? schemas.Compiled : null;
    }

    /// <summary>Whether the fast compiled check is used (every schema in the folder compiled) or the framework's validator.</summary>
    public bool UsesCompiledSchemas => _compiled is not null;

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

        if (_compiled is not null)
        {
            return new FastCheck(this, xml).Run();
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
    /// The compiled check: a plain (non-validating, equally safe) reader and the rules of <see cref="CompiledSchema"/>:
    /// for each element the next expected particle of its parent's sequence, for each simple value its type and facets.
    /// After an unexpected element its subtree is skipped so one mistake gives one error.
    /// </summary>
    private sealed class FastCheck(MessageValidator owner, Stream xml)
    {
        private readonly List<ValidationError> _errors = [];
        private readonly ElementPath _path = new();
        private readonly Stack<Frame> _frames = new();
        private MessageType? _type;
        private XmlReader _reader = null!;

        private sealed class Frame(Particle[] sequence)
        {
            public Particle[] Sequence { get; } = sequence;

            public int Index { get; set; }

            public int Count { get; set; }
        }

        public ValidationResult Run()
        {
            try
            {
                using var reader = XmlReader.Create(xml, owner.SafeSettings());
                _reader = reader;
                while (reader.Read())
                {
                    switch (reader.NodeType)
                    {
                        case XmlNodeType.Element when _type is null:
                            if (owner.RootProblem(reader, out _type) is { } problem)
                            {
                                return new ValidationResult(_type, [problem]);
                            }

                            var root = owner._compiled![_type!].Root;
                            if (!Open(root))
                            {
                                return Result();
                            }

                            break;
                        case XmlNodeType.Element:
                            if (reader.Depth >= owner._options.MaxDepth)
                            {
                                Add(SchemaErrorCodes.TooDeep, $"Elements nest deeper than {owner._options.MaxDepth} levels.", _path.LocationOf(reader));
                                return Result();
                            }

                            if (Match() is { } rule)
                            {
                                if (!Open(rule))
                                {
                                    return Result();
                                }
                            }
                            else if (!SkipUnexpected())
                            {
                                return Result();
                            }

                            break;
                        case XmlNodeType.EndElement:
                            Close();
                            break;
                        case XmlNodeType.Text or XmlNodeType.CDATA:
                            Add(SchemaErrorCodes.Xsd, $"Text '{Short(reader.Value)}' is not allowed here; this element contains elements only.", _path.Current);
                            break;
                    }

                    if (_errors.Count >= owner._options.MaxErrors)
                    {
                        _errors.Add(new ValidationError(ValidationLayer.Schema, SchemaErrorCodes.Xsd, $"More errors were found; only the first {owner._options.MaxErrors} are listed."));
                        return Result();
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

                _errors.Add(new ValidationError(ValidationLayer.Schema, code, ex.Message, ex.LineNumber, ex.LinePosition, _path.Current));
            }

            return Result();
        }

        private ValidationResult Result() => new(_type, _errors);

        /// <summary>Enters a matched element: checks attributes, then reads a simple value or opens a sequence.</summary>
        private bool Open(ElementRule rule)
        {
            var reader = _reader;
            CheckAttributes();
            var isEmpty = reader.IsEmptyElement;
            _path.Enter(reader.LocalName, isEmpty: false);
            if (rule.Value is { } value)
            {
                var text = isEmpty ? string.Empty : ReadSimpleContent();
                if (value.Check(text, reader.NameTable) is { } problem)
                {
                    Add(SchemaErrorCodes.Xsd, $"The value of {rule.LocalName} is invalid: {problem}", _path.Current);
                }

                _path.Leave();
                return true;
            }

            _frames.Push(new Frame(rule.Sequence!));
            if (isEmpty)
            {
                Close();
            }

            return true;
        }

        /// <summary>The value of a simple element; the reader ends on its end tag.</summary>
        private string ReadSimpleContent()
        {
            var reader = _reader;
            string? single = null;
            StringBuilder? many = null;
            while (reader.Read())
            {
                switch (reader.NodeType)
                {
                    case XmlNodeType.EndElement:
                        return many?.ToString() ?? single ?? string.Empty;
                    case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace:
                        if (single is null)
                        {
                            single = reader.Value;
                        }
                        else
                        {
                            (many ??= new StringBuilder(single)).Append(reader.Value);
                        }

                        break;
                    case XmlNodeType.Element:
                        Add(SchemaErrorCodes.Xsd, $"Element '{reader.LocalName}' is not allowed in a simple value.", _path.LocationOf(reader));
                        reader.Skip();
                        if (reader.NodeType == XmlNodeType.EndElement)
                        {
                            return many?.ToString() ?? single ?? string.Empty;
                        }

                        break;
                }
            }

            return many?.ToString() ?? single ?? string.Empty;
        }

        /// <summary>Finds the particle the current element fills, reporting required particles it jumps over.</summary>
        private ElementRule? Match()
        {
            var reader = _reader;
            var frame = _frames.Peek();
            var seq = frame.Sequence;
            for (var i = frame.Index; i < seq.Length; i++)
            {
                var p = seq[i];
                if (p.Element.LocalName == reader.LocalName && p.Element.Namespace == reader.NamespaceURI)
                {
                    var count = i == frame.Index ? frame.Count : 0;
                    if (count >= p.Max)
                    {
                        continue;
                    }

                    for (var j = frame.Index; j < i; j++)
                    {
                        var skippedCount = j == frame.Index ? frame.Count : 0;
                        if (skippedCount < seq[j].Min)
                        {
                            Add(SchemaErrorCodes.Xsd, $"Element '{seq[j].Element.LocalName}' is missing before '{reader.LocalName}'.", _path.LocationOf(reader));
                        }
                    }

                    frame.Index = i;
                    frame.Count = count + 1;
                    return p.Element;
                }
            }

            var expected = seq.Skip(frame.Index).Select(p => p.Element.LocalName).FirstOrDefault();
            Add(SchemaErrorCodes.Xsd, expected is null
                ? $"Element '{reader.LocalName}' is not allowed here."
                : $"Element '{reader.LocalName}' is not allowed here; expected '{expected}'.", _path.LocationOf(reader));
            return null;
        }

        /// <summary>Skips an unexpected element's subtree; false when it nests past the depth limit (then stop).</summary>
        private bool SkipUnexpected()
        {
            if (_reader.IsEmptyElement)
            {
                return true;
            }

            var depth = _reader.Depth;
            while (_reader.Read() && !(_reader.NodeType == XmlNodeType.EndElement && _reader.Depth == depth))
            {
                if (_reader.NodeType == XmlNodeType.Element && _reader.Depth >= owner._options.MaxDepth)
                {
                    Add(SchemaErrorCodes.TooDeep, $"Elements nest deeper than {owner._options.MaxDepth} levels.", _path.Current);
                    return false;
                }
            }

            return true;
        }

        /// <summary>Leaves a sequence: every particle still owed its minimum is missing.</summary>
        private void Close()
        {
            if (_frames.Count == 0)
            {
                return;
            }

            var frame = _frames.Pop();
            for (var i = frame.Index; i < frame.Sequence.Length; i++)
            {
                var count = i == frame.Index ? frame.Count : 0;
                if (count < frame.Sequence[i].Min)
                {
                    Add(SchemaErrorCodes.Xsd, $"Element '{frame.Sequence[i].Element.LocalName}' is missing.", _path.Current);
                    break;
                }
            }

            _path.Leave();
        }

        private void CheckAttributes()
        {
            var reader = _reader;
            if (!reader.HasAttributes)
            {
                return;
            }

            for (var ok = reader.MoveToFirstAttribute(); ok; ok = reader.MoveToNextAttribute())
            {
                var allowed = reader.NamespaceURI == "http://www.w3.org/2000/xmlns/"
                    || (reader.NamespaceURI == XmlSchema.InstanceNamespace && reader.LocalName is "schemaLocation" or "noNamespaceSchemaLocation");
                if (!allowed)
                {
                    Add(SchemaErrorCodes.Xsd, $"Attribute '{reader.Name}' is not allowed.", _path.Current);
                }
            }

            reader.MoveToElement();
        }

        private void Add(string code, string message, string location)
        {
            var info = (IXmlLineInfo)_reader;
            _errors.Add(new ValidationError(ValidationLayer.Schema, code, message, info.LineNumber, info.LinePosition, location));
        }

        private static string Short(string s) => s.Length > 40 ? s[..40] + "…" : s;
    }

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
