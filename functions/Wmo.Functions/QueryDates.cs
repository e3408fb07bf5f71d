using System.Globalization;

namespace Wmo.Functions;

/// <summary>
/// Dates and months in query strings (yyyy-MM-dd, yyyy-MM). Only 2000–2099 counts as a date: the hub's messages lie
/// there, and the bounds keep the pages' date arithmetic (a month back, a year forward) from overflowing on 0001-01-01
/// or 9999-12-31. The API answers 400 for anything else; the pages fall back to their default period.
/// </summary>
internal static class QueryDates
{
    public static readonly DateOnly Earliest = new(2000, 1, 1);
    public static readonly DateOnly Latest = new(2099, 12, 31);

    /// <summary>The date, or null when the value is absent, not a yyyy-MM-dd date, or outside 2000–2099.</summary>
    public static DateOnly? Day(string? value) =>
        DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) && d >= Earliest && d <= Latest ? d : null;

    /// <summary>The first day of the month (yyyy-MM), or null as for <see cref="Day"/>.</summary>
    public static DateOnly? Month(string? value) => string.IsNullOrEmpty(value) || value.Length != 7 ? null : Day(value + "-01");

    /// <summary>Whether a query value is given but not a usable date (the API's 400).</summary>
    public static bool IsInvalidDay(string? value) => !string.IsNullOrEmpty(value) && Day(value) is null;
}
