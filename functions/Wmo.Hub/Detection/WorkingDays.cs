namespace Wmo.Hub.Detection;

/// <summary>
/// Dutch working days ("werkdagen", iWmo begrippenlijst): Monday to Friday except the holidays of the Algemene
/// termijnenwet — Nieuwjaarsdag, Eerste en Tweede Paasdag, Hemelvaartsdag, Eerste en Tweede Pinksterdag, Eerste en
/// Tweede Kerstdag, Koningsdag (27 April, or 26 April when the 27th is a Sunday) and Bevrijdingsdag (5 May) — computed
/// for any year, plus configured extra days (e.g. Goede Vrijdag, a collective closing day).
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
            new DateOnly(year, 1, 1), easter, easter.AddDays(1), easter.AddDays(39), easter.AddDays(49), easter.AddDays(50),
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

    /// <summary>The day <paramref name="count"/> working days after <paramref name="from"/> (OP271: "within 5 werkdagen").</summary>
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
