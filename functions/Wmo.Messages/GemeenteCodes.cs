using System.Globalization;

namespace Wmo.Messages;

/// <summary>
/// The CBS gemeentecodes and when each was valid, for TR378 (S300: gemeentecode ongeldig). Municipal mergers
/// (herindelingen) end codes on 1 January, so validity depends on the message date. Read from a semicolon-separated
/// file the operator keeps current with CBS's yearly "gemeentelijke indeling":
/// <c>code;naam;geldig_vanaf;geldig_tot</c> (dates as YYYY-MM-DD; empty = open-ended; lines starting with # are
/// comments). The repository ships no copy: the list is reference data with its own update cycle.
/// </summary>
public sealed class GemeenteCodes
{
    private readonly Dictionary<string, List<(string Naam, DateOnly? From, DateOnly? To)>> _codes;

    private GemeenteCodes(Dictionary<string, List<(string, DateOnly?, DateOnly?)>> codes) => _codes = codes;

    public int Count => _codes.Count;

    public static GemeenteCodes Load(string path)
    {
        var codes = new Dictionary<string, List<(string, DateOnly?, DateOnly?)>>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#') || line.StartsWith("code;", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var parts = line.Split(';');
            if (parts.Length < 2 || parts[0].Length != 4 || !parts[0].All(char.IsAsciiDigit))
            {
                throw new FormatException($"{path}:{lineNumber}: expected 'code;naam;geldig_vanaf;geldig_tot' with a four-digit code, got '{line}'.");
            }

            var entry = (parts[1].Trim(), Date(parts, 2, path, lineNumber), Date(parts, 3, path, lineNumber));
            if (!codes.TryGetValue(parts[0], out var list))
            {
                codes[parts[0]] = list = [];
            }

            list.Add(entry);
        }

        return codes.Count > 0 ? new GemeenteCodes(codes) : throw new FormatException($"{path} holds no gemeentecode.");
    }

    /// <summary>Whether <paramref name="code"/> was a gemeente on <paramref name="date"/>.</summary>
    public bool IsValid(string code, DateOnly date) =>
        _codes.TryGetValue(code, out var periods) && periods.Any(p => (p.From is null || p.From <= date) && (p.To is null || date <= p.To));

    public string? Name(string code) => _codes.TryGetValue(code, out var periods) ? periods[^1].Naam : null;

    private static DateOnly? Date(string[] parts, int index, string path, int line)
    {
        if (parts.Length <= index || string.IsNullOrWhiteSpace(parts[index]))
        {
            return null;
        }

        return DateOnly.TryParseExact(parts[index].Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? d
            : throw new FormatException($"{path}:{line}: '{parts[index]}' is not a date (YYYY-MM-DD).");
    }
}
