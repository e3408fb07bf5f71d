namespace Wmo.Hub.Detection;

/// <summary>
/// Dutch working days ("werkdagen", iWmo begrippenlijst): Monday to Friday except the days of the Algemene
/// termijnenwet, computed for any year — art. 3 lid 1: Nieuwjaarsdag, Eerste en Tweede Paasdag, Hemelvaartsdag,
/// Eerste en Tweede Pinksterdag, Eerste en Tweede Kerstdag, Koningsdag (27 April, or 26 April when the 27th is a
/// Sunday) and 5 May (every year: the lustrum day off is a collective-labour practice, not the Atw); lid 2: Goede
/// Vrijdag — plus configured extra days (<c>Detection__ExtraHolidays</c>): the days a Royal Decree adds under lid 3
/// (e.g. the Friday after Hemelvaartsdag), which cannot be computed.
/// </summary>
public sealed class WorkingDays(IEnumerable<DateOnly>? extraDays = null)
{
    private readonly HashSet<DateOnly> _extra = [.. extraDays ?? []];
    private readonly Dictionary<int, HashSet<DateOnly>> _holidays = [];

    public static DateOnly EasterSunday(int year)
    {
        // Anonymous Gregorian algorithm (Meeus/Jones/Butcher).
        int a = year % 19, b = year / 100, c = year % 100, d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
        int h = ((19 * a) + b - d - g + 15) % 30, i = c / 4, k = c % 4, l = (32 + (2 * e) + (2 * i) - h - k) % 7;
        int m = (a + (11 * h) + (22 * l)) / 451, month = (h + l - (7 * m) + 114) / 31, day = ((h + l - (7 * m) + 114) % 31) + 1;
        return new DateOnly(year, month, day);
    }

    public static IReadOnlyList<DateOnly> Holidays(int year)
    {
        var easter = EasterSunday(year);
        var koningsdag = new DateOnly(year, 4, 27);
        return
        [
            new DateOnly(year, 1, 1), easter.AddDays(-2), easter, easter.AddDays(1), easter.AddDays(39), easter.AddDays(49), easter.AddDays(50),
            koningsdag.DayOfWeek == DayOfWeek.Sunday ? koningsdag.AddDays(-1) : koningsdag, new DateOnly(year, 5, 5),
            new DateOnly(year, 12, 25), new DateOnly(year, 12, 26),
        ];
    }

    public bool IsWorkingDay(DateOnly day)
    {
        if (day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday || _extra.Contains(day))
        {
            return false;
        }

        lock (_holidays)
        {
            if (!_holidays.TryGetValue(day.Year, out var set))
            {
                _holidays[day.Year] = set = [.. Holidays(day.Year)];
            }

            return !set.Contains(day);
        }
    }

    /// <summary>The day <paramref name="count"/> working days after <paramref name="from"/> (OP271: "within 5 werkdagen" ends on it).</summary>
    public DateOnly AddWorkingDays(DateOnly from, int count)
    {
        var day = from;
        for (var added = 0; added < count;)
        {
            day = day.AddDays(1);
            if (IsWorkingDay(day))
            {
                added++;
            }
        }

        return day;
    }

    /// <summary>
    /// The first day a "within <paramref name="count"/> werkdagen" deadline counted from <paramref name="from"/> is
    /// missed: the working day after the last one allowed (day N itself is still on time, domain.md §4). A message
    /// arriving on the weekend after day N is still within N working days, so the next working day is the first late one.
    /// </summary>
    public DateOnly MissedFrom(DateOnly from, int count) => AddWorkingDays(from, count + 1);

    /// <summary>Working days after <paramref name="from"/> up to and including <paramref name="to"/> (0 when not after).</summary>
    public int Between(DateOnly from, DateOnly to)
    {
        var count = 0;
        for (var day = from.AddDays(1); day <= to; day = day.AddDays(1))
        {
            if (IsWorkingDay(day))
            {
                count++;
            }
        }

        return count;
    }
}
