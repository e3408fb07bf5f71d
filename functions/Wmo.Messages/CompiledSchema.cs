using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Schema;

namespace Wmo.Messages;

/// <summary>
/// A message schema compiled into plain rules for a fast streaming check: element sequences with occurrence bounds,
/// and simple values with their built-in type, enumerations, lengths, ranges and patterns (run by linear-time
/// regular expressions). It covers exactly the XSD features the iWmo/iEb schemas use; a schema with anything else
/// (choice, attributes, lists, …) does not compile and is validated by the framework's validator instead. Its
/// verdicts are tested against that validator on every mutation of the differential test.
/// </summary>
internal sealed class CompiledSchema
{
    private CompiledSchema(ElementRule root) => Root = root;

    public ElementRule Root { get; }

    public static CompiledSchema? TryCompile(XmlSchemaSet set, MessageType type)
    {
        var root = set.GlobalElements[new XmlQualifiedName("Bericht", type.Namespace)] as XmlSchemaElement;
        if (root is null)
        {
            return null;
        }

        try
        {
            return new CompiledSchema(new Compiler().Element(root));
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    private sealed class Compiler
    {
        private readonly Dictionary<XmlSchemaType, object> _types = [];

        public ElementRule Element(XmlSchemaElement element)
        {
            var rule = new ElementRule(element.QualifiedName.Name, element.QualifiedName.Namespace);
            switch (element.ElementSchemaType)
            {
                case XmlSchemaComplexType complex:
                    rule.Sequence = Sequence(complex);
                    break;
                case XmlSchemaSimpleType simple:
                    rule.Value = Value(simple);
                    break;
                default:
                    throw new NotSupportedException();
            }

            if (element.IsNillable || element.DefaultValue is not null || element.FixedValue is not null)
            {
                throw new NotSupportedException();
            }

            return rule;
        }

        private Particle[] Sequence(XmlSchemaComplexType type)
        {
            if (_types.TryGetValue(type, out var known))
            {
                return (Particle[])known;
            }

            if (type.AttributeUses.Count > 0 || type.AttributeWildcard is not null || type.ContentType != XmlSchemaContentType.ElementOnly
                || type.ContentTypeParticle is not XmlSchemaSequence { MinOccurs: 1, MaxOccurs: 1 } sequence)
            {
                throw new NotSupportedException();
            }

            var particles = new Particle[sequence.Items.Count];
            _types[type] = particles;
            for (var i = 0; i < particles.Length; i++)
            {
                var item = sequence.Items[i] as XmlSchemaElement ?? throw new NotSupportedException();
                particles[i] = new Particle(Element(item), (int)item.MinOccurs, item.MaxOccurs == decimal.MaxValue ? int.MaxValue : (int)item.MaxOccurs);
            }

            return particles;
        }

        private ValueRule Value(XmlSchemaSimpleType type)
        {
            if (_types.TryGetValue(type, out var known))
            {
                return (ValueRule)known;
            }

            var rule = new ValueRule();
            var t = type;
            while (t.QualifiedName.Namespace != XmlSchema.Namespace)
            {
                if (t.Content is not XmlSchemaSimpleTypeRestriction restriction)
                {
                    throw new NotSupportedException();
                }

                var patterns = new List<Func<string, bool>>();
                var enumeration = new HashSet<string>(StringComparer.Ordinal);
                foreach (XmlSchemaFacet facet in restriction.Facets)
                {
                    switch (facet)
                    {
                        case XmlSchemaPatternFacet p:
                            patterns.Add(XsdPattern.Compile(p.Value!));
                            break;
                        case XmlSchemaEnumerationFacet e:
                            enumeration.Add(e.Value!);
                            break;
                        case XmlSchemaLengthFacet l:
                            rule.MinLength = rule.MaxLength = Max(rule.MinLength, int.Parse(l.Value!, CultureInfo.InvariantCulture));
                            break;
                        case XmlSchemaMinLengthFacet l:
                            rule.MinLength = Max(rule.MinLength, int.Parse(l.Value!, CultureInfo.InvariantCulture));
                            break;
                        case XmlSchemaMaxLengthFacet l:
                            rule.MaxLength = Min(rule.MaxLength, int.Parse(l.Value!, CultureInfo.InvariantCulture));
                            break;
                        case XmlSchemaMinInclusiveFacet m:
                            rule.MinInclusive = Max(rule.MinInclusive, decimal.Parse(m.Value!, CultureInfo.InvariantCulture));
                            break;
                        case XmlSchemaMaxInclusiveFacet m:
                            rule.MaxInclusive = Min(rule.MaxInclusive, decimal.Parse(m.Value!, CultureInfo.InvariantCulture));
                            break;
                        default:
                            throw new NotSupportedException();
                    }
                }

                if (patterns.Count > 0)
                {
                    rule.Patterns.Add([.. patterns]); // patterns of one step are alternatives; steps all apply
                }

                if (enumeration.Count > 0)
                {
                    rule.Enumerations.Add(enumeration);
                }

                t = t.BaseXmlSchemaType as XmlSchemaSimpleType ?? throw new NotSupportedException();
            }

            rule.BuiltIn = t.TypeCode switch
            {
                XmlTypeCode.String => BuiltIn.String,
                XmlTypeCode.Integer => BuiltIn.Integer,
                XmlTypeCode.Date or XmlTypeCode.Time => BuiltIn.Parsed,
                _ => throw new NotSupportedException(),
            };
            rule.Datatype = t.Datatype!;
            _types[type] = rule;
            return rule;
        }

        private static int Max(int? a, int b) => a is { } x && x > b ? x : b;

        private static int Min(int? a, int b) => a is { } x && x < b ? x : b;

        private static decimal Max(decimal? a, decimal b) => a is { } x && x > b ? x : b;

        private static decimal Min(decimal? a, decimal b) => a is { } x && x < b ? x : b;
    }
}

internal sealed class ElementRule(string localName, string ns)
{
    public string LocalName { get; } = localName;

    public string Namespace { get; } = ns;

    public Particle[]? Sequence { get; set; }

    public ValueRule? Value { get; set; }
}

internal readonly record struct Particle(ElementRule Element, int Min, int Max);

internal enum BuiltIn
{
    String,
    Integer,
    Parsed,
}

internal sealed class ValueRule
{
    public BuiltIn BuiltIn { get; set; }

    public XmlSchemaDatatype Datatype { get; set; } = null!;

    public List<Func<string, bool>[]> Patterns { get; } = [];

    public List<HashSet<string>> Enumerations { get; } = [];

    public int? MinLength { get; set; }

    public int? MaxLength { get; set; }

    public decimal? MinInclusive { get; set; }

    public decimal? MaxInclusive { get; set; }

    /// <summary>Null when the value is valid, else why not.</summary>
    public string? Check(string raw, XmlNameTable names)
    {
        // xs:string keeps white space; the other built-ins collapse it before any facet applies.
        var value = BuiltIn == BuiltIn.String ? raw : Collapse(raw);
        switch (BuiltIn)
        {
            case BuiltIn.Integer:
                if (!IsInteger(value) || !decimal.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
                {
                    return $"'{raw}' is not an integer.";
                }

                if (number < MinInclusive || number > MaxInclusive)
                {
                    return $"{value} is outside {MinInclusive}..{MaxInclusive}.";
                }

                break;
            case BuiltIn.Parsed:
                try
                {
                    Datatype.ParseValue(value, names, null);
                }
                catch (XmlSchemaException)
                {
                    return $"'{raw}' is not a valid {Datatype.TypeCode.ToString().ToLowerInvariant()}.";
                }

                break;
        }

        if ((MinLength is { } min && value.Length < min) || (MaxLength is { } max && value.Length > max))
        {
            return $"'{Shorten(raw)}' has {value.Length} characters; allowed {MinLength ?? 0}..{(MaxLength is { } m ? m.ToString(CultureInfo.InvariantCulture) : "∞")}.";
        }

        foreach (var set in Enumerations)
        {
            if (!set.Contains(value))
            {
                return $"'{Shorten(raw)}' is not one of {string.Join(", ", set.Order(StringComparer.Ordinal))}.";
            }
        }

        foreach (var alternatives in Patterns)
        {
            if (!alternatives.Any(p => p(value)))
            {
                return $"'{Shorten(raw)}' does not have the required form.";
            }
        }

        return null;
    }

    private static bool IsInteger(string s)
    {
        var i = s.Length > 0 && s[0] is '+' or '-' ? 1 : 0;
        if (i == s.Length)
        {
            return false;
        }

        for (; i < s.Length; i++)
        {
            if (!char.IsAsciiDigit(s[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static string Collapse(string s)
    {
        var trimmed = s.Trim(' ', '\t', '\n', '\r');
        if (trimmed.AsSpan().IndexOfAny(" \t\n\r") < 0)
        {
            return trimmed;
        }

        var sb = new StringBuilder(trimmed.Length);
        var space = false;
        foreach (var c in trimmed)
        {
            if (c is ' ' or '\t' or '\n' or '\r')
            {
                space = true;
                continue;
            }

            if (space)
            {
                sb.Append(' ');
                space = false;
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    private static string Shorten(string s) => s.Length > 60 ? s[..60] + "…" : s;
}

/// <summary>XSD regular expressions (implicitly anchored; '.' excludes CR/LF; \s is space, tab, CR, LF) as .NET ones.</summary>
internal static class XsdPattern
{
    public static Func<string, bool> Compile(string xsd)
    {
        if (xsd.All(c => char.IsAsciiLetterOrDigit(c) || c == ' '))
        {
            return v => string.Equals(v, xsd, StringComparison.Ordinal); // a fixed value such as a BerichtCode
        }

        var regex = new Regex(@"\A(?:" + Translate(xsd) + @")\z", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
        return regex.IsMatch;
    }

    private static string Translate(string xsd)
    {
        var sb = new StringBuilder();
        var inClass = false;
        for (var i = 0; i < xsd.Length; i++)
        {
            var c = xsd[i];
            if (c == '\\' && i + 1 < xsd.Length)
            {
                var e = xsd[++i];
                sb.Append(e switch
                {
                    's' => inClass ? @"\x20\t\n\r" : @"[\x20\t\n\r]",
                    'S' => inClass ? @"\S" : @"[^\x20\t\n\r]",
                    'i' or 'I' or 'c' or 'C' => throw new NotSupportedException(),
                    _ => "\\" + e,
                });
                continue;
            }

            switch (c)
            {
                case '[':
                    if (inClass)
                    {
                        throw new NotSupportedException(); // character class subtraction
                    }

                    inClass = true;
                    sb.Append(c);
                    break;
                case ']':
                    inClass = false;
                    sb.Append(c);
                    break;
                case '.' when !inClass:
                    sb.Append(@"[^\n\r]");
                    break;
                case '^' or '$' when !inClass:
                    sb.Append('\\').Append(c);
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }

        return sb.ToString();
    }
}
