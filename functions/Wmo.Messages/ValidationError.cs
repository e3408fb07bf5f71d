namespace Wmo.Messages;

/// <summary>The chain's validation layers (domain.md §3.4).</summary>
public enum ValidationLayer
{
    /// <summary>Not XML, hostile XML, unknown message, too large, or an XSD violation: no retour, an error answer.</summary>
    Schema = 1,

    /// <summary>Technical rules of the message itself, answered with a retour and retourcodes.</summary>
    Message = 2,
}

/// <summary>One finding. <see cref="Code"/> is a stable key (layer 1) or an iWmo retourcode (layer 2).</summary>
/// <param name="Location">XPath-like location of the element, e.g. <c>/Bericht/Client/StartProducten/StartProduct[2]/Begindatum</c>.</param>
public sealed record ValidationError(ValidationLayer Layer, string Code, string Message, int? Line = null, int? Column = null, string? Location = null)
{
    public override string ToString()
    {
        var where = Line is { } l ? $"{l}:{Column}" : null;
        return string.Join(" ", new[] { $"layer {(int)Layer}", Code, where, Location, "—", Message }.Where(s => !string.IsNullOrEmpty(s)));
    }
}

/// <summary>Stable codes of layer-1 findings (they become problem+json types at intake).</summary>
public static class SchemaErrorCodes
{
    public const string NotXml = "not-xml";
    public const string DtdProhibited = "dtd-prohibited";
    public const string TooLarge = "too-large";
    public const string TooDeep = "too-deep";
    public const string UnknownMessage = "unknown-message";
    public const string NoSchema = "no-schema";
    public const string Xsd = "xsd";
}

/// <summary>The verdict on one message.</summary>
public sealed record ValidationResult(MessageType? MessageType, IReadOnlyList<ValidationError> Errors)
{
    public bool IsValid => Errors.Count == 0;
}
