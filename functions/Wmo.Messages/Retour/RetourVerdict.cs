namespace Wmo.Messages.Retour;

/// <summary>
/// One finding of the checks that are answered with a retour. <see cref="Location"/> is the class it lands on
/// (e.g. <c>/Bericht/Client/StartProducten/StartProduct[2]</c>); null means the header.
/// </summary>
/// <param name="RetourCode">The WJ001 retourcode that goes into the retour.</param>
/// <param name="Rule">The rule of the standard (TR135, OP033x2, …) so a reader can look it up.</param>
public sealed record Finding(string RetourCode, string Rule, string Message, string? Location = null)
{
    public override string ToString() => $"{RetourCode} {Rule}{(Location is null ? string.Empty : " " + Location)} — {Message}";
}

/// <summary>The verdict on a heenbericht, as its retour will express it.</summary>
public sealed record RetourVerdict(IReadOnlyList<Finding> Findings)
{
    public static readonly RetourVerdict Approved = new([]);

    /// <summary>Fully approved: the retour is the header only, without retourcodes (WJ001, OP065).</summary>
    public bool IsApproved => Findings.Count == 0;

    /// <summary>A technical (XSLT-level) rejection: header only with 0001; the message counts as not sent (OP286).</summary>
    public bool IsTechnicalRejection => Findings.Any(f => f.RetourCode == RetourCodes.TechnischAfgekeurd);

    public IEnumerable<Finding> HeaderFindings => Findings.Where(f => f.Location is null);

    public IEnumerable<Finding> ClassFindings => Findings.Where(f => f.Location is not null);

    public RetourVerdict With(IEnumerable<Finding> more) => new([.. Findings, .. more]);
}

/// <summary>The WJ001 retourcodes the layer itself assigns.</summary>
public static class RetourCodes
{
    public const string TechnischAfgekeurd = "0001";
    public const string GeenOpmerking = "0200";
    public const string VolledigToegewezen = "8001";
    public const string NietBeoordeeld = "0233";
    public const string DagtekeningInToekomst = "8848";
    public const string IdentificatieNietUniek = "9056";
    public const string GemeentecodeOngeldig = "S300";
    public const string BedragNietVolumeMaalTarief = "9346";
    public const string ProductPeriodeBuitenDeclaratiePeriode = "9319";
}
