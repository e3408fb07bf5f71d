using Wmo.Hub.Cak;

namespace Wmo.Hub.Detection;

/// <summary>The months and euros one CAK invoice would carry at once (domain.md §6.3).</summary>
/// <param name="UnknownYears">Years in the range without a known abonnementstarief (counted as months, not as euros).</param>
public readonly record struct StackSize(int Months, long Cents, IReadOnlyList<int> UnknownYears);

/// <summary>
/// How big a stapelfactuur is, in one place for R1 (predicted), R8 (realised), R5 and R6. The CAK levies the
/// abonnementstarief from the month after the start (CAK-WMO); a first invoice sent in month <c>m(now)</c> carries
/// every month from there up to <c>m(now)</c>, but never a month after the period's end (a period that ended in
/// February bills February at most, however late it reaches the CAK). For a hulpmiddel or woningaanpassing the
/// total is capped at the kostprijs.
/// </summary>
public static class StackEstimate
{
    /// <summary>The first month the CAK bills for a start: the month after it.</summary>
    public static DateOnly FirstBilled(DateOnly start) => new DateOnly(start.Year, start.Month, 1).AddMonths(1);

    /// <summary>What an invoice on <paramref name="asOf"/> would carry for a period from <paramref name="start"/> (to <paramref name="end"/>).</summary>
    public static StackSize Of(DateOnly start, DateOnly? end, DateOnly asOf, long? kostprijs, Tariffs tariffs) =>
        Months(FirstBilled(start), end is { } e && e < asOf ? e : asOf, kostprijs, tariffs);

    /// <summary>The day a period's stack first reaches <paramref name="threshold"/> months, or null when its end comes first.</summary>
    public static DateOnly? ReachesThreshold(DateOnly start, DateOnly? end, int threshold)
    {
        var day = FirstBilled(start).AddMonths(threshold - 1);
        return end is { } e && new DateOnly(e.Year, e.Month, 1) < day ? null : day;
    }

    /// <summary>The months from the month of <paramref name="first"/> through the month of <paramref name="last"/>, and their tariff (capped at the kostprijs).</summary>
    public static StackSize Months(DateOnly first, DateOnly last, long? kostprijs, Tariffs tariffs)
    {
        var months = 0;
        long cents = 0;
        var unknown = new List<int>();
        for (var m = new DateOnly(first.Year, first.Month, 1); m <= last; m = m.AddMonths(1))
        {
            months++;
            if (tariffs.For(m.Year) is { } tariff)
            {
                cents += tariff;
            }
            else if (!unknown.Contains(m.Year))
            {
                unknown.Add(m.Year);
            }
        }

        return new StackSize(months, kostprijs is { } cap ? Math.Min(cents, cap) : cents, unknown);
    }
}
