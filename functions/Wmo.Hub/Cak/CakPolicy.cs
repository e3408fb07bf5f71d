namespace Wmo.Hub.Cak;

/// <summary>What starts the eigen bijdrage (VNG FAQ: the three ways a gemeente may choose).</summary>
public enum StartMoment
{
    /// <summary>The toewijzing: WMO301 Ingangsdatum.</summary>
    Toewijzing,

    /// <summary>The reported start of delivery: WMO305 Begindatum.</summary>
    Start,

    /// <summary>The first declaration: WMO323 ProductPeriode Begindatum.</summary>
    Declaratie,
}

/// <summary>What stops it.</summary>
public enum StopMoment
{
    /// <summary>WMO301 Einddatum.</summary>
    Toewijzing,

    /// <summary>WMO307 Einddatum.</summary>
    Stop,

    /// <summary>The last declaration's ProductPeriode Einddatum.</summary>
    Declaratie,
}

/// <summary>
/// A gemeente's eigen-bijdrage policy. Configuration <c>Cak:Policies:{gemeentecode}:{Start|Stop|Excluded|Kostprijs}</c>,
/// with <c>Cak:Policies:Default:…</c> for every gemeente without its own; the built-in default is the reported start
/// and stop (305/307), no categories excluded, and categories 11–14 (rolstoelen, vervoervoorzieningen,
/// woonvoorzieningen, overige hulpmiddelen) treated as hulpmiddel/woningaanpassing with kostprijs.
/// </summary>
public sealed record CakPolicy(StartMoment Start, StopMoment Stop, IReadOnlySet<string> ExcludedCategories, IReadOnlySet<string> KostprijsCategories)
{
    public static readonly CakPolicy Default = new(StartMoment.Start, StopMoment.Stop, new HashSet<string>(), new HashSet<string> { "11", "12", "13", "14" });

    public bool Counts(string? categorie) => categorie is null || !ExcludedCategories.Contains(categorie);

    public bool HasKostprijs(string? categorie) => categorie is not null && KostprijsCategories.Contains(categorie);
}

/// <summary>The policies of all gemeenten, read once from configuration.</summary>
public sealed class CakPolicies
{
    private readonly Dictionary<string, CakPolicy> _byGemeente;
    private readonly CakPolicy _default;

    public CakPolicies(IReadOnlyDictionary<string, CakPolicy> byGemeente, CakPolicy? fallback = null)
    {
        _byGemeente = new Dictionary<string, CakPolicy>(byGemeente, StringComparer.Ordinal);
        _default = fallback ?? CakPolicy.Default;
    }

    public CakPolicy For(string gemeente) => _byGemeente.GetValueOrDefault(gemeente, _default);

    /// <summary>A policy from its settings (any may be null: then the fallback's, or the start's own stop).</summary>
    public static CakPolicy Read(string? start, string? stop, string? excluded, string? kostprijs, CakPolicy fallback)
    {
        var startMoment = start is { Length: > 0 } a ? Enum.Parse<StartMoment>(a, ignoreCase: true) : fallback.Start;
        // Without an explicit stop, the stop belongs to the start's source (toewijzing/start/declaratie).
        var stopMoment = stop is { Length: > 0 } b ? Enum.Parse<StopMoment>(b, ignoreCase: true)
            : start is { Length: > 0 } ? startMoment switch { StartMoment.Toewijzing => StopMoment.Toewijzing, StartMoment.Declaratie => StopMoment.Declaratie, _ => StopMoment.Stop }
            : fallback.Stop;
        return new CakPolicy(startMoment, stopMoment, Codes(excluded) ?? fallback.ExcludedCategories, Codes(kostprijs) ?? fallback.KostprijsCategories);
    }

    private static HashSet<string>? Codes(string? list) => list is null ? null
        : list.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries).Select(c => c.PadLeft(2, '0')).ToHashSet(StringComparer.Ordinal);
}

/// <summary>
/// The monthly abonnementstarief per year in eurocents (domain.md §7), configurable as <c>Cak:Tarieven:{year}</c>.
/// An unknown year has no tariff: callers flag it rather than guess.
/// </summary>
public sealed class Tariffs(IReadOnlyDictionary<int, long> perYear)
{
    public static readonly IReadOnlyDictionary<int, long> Known = new Dictionary<int, long>
    {
        [2020] = 1900, [2021] = 1900, [2022] = 1900, [2023] = 1900, [2024] = 2060, [2025] = 2100,
    };

    public long? For(int year) => perYear.TryGetValue(year, out var cents) ? cents : null;

    /// <summary>The known tariffs, with configured years added or replaced.</summary>
    public static Tariffs With(IEnumerable<KeyValuePair<int, long>> configured)
    {
        var table = new Dictionary<int, long>(Known);
        foreach (var (year, cents) in configured)
        {
            table[year] = cents;
        }

        return new Tariffs(table);
    }
}
