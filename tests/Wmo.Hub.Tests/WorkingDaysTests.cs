using Wmo.Hub.Detection;

namespace Wmo.Hub.Tests;

public sealed class WorkingDaysTests
{
    private static readonly WorkingDays Calendar = new();

    [Theory]
    [InlineData(2024, 3, 31)]
    [InlineData(2025, 4, 20)]
    [InlineData(2026, 4, 5)]
    [InlineData(2027, 3, 28)]
    [InlineData(2038, 4, 25)]
    public void Easter_is_computed_for_any_year(int year, int month, int day) =>
        Assert.Equal(new DateOnly(year, month, day), WorkingDays.EasterSunday(year));

    [Fact]
    public void The_holidays_of_2026_are_the_Algemene_termijnenwet_days_including_Goede_Vrijdag()
    {
        Assert.Equal(
            [new(2026, 1, 1), new(2026, 4, 3), new(2026, 4, 5), new(2026, 4, 6), new(2026, 5, 14), new(2026, 5, 24), new(2026, 5, 25), new(2026, 4, 27), new(2026, 5, 5),
             new(2026, 12, 25), new DateOnly(2026, 12, 26)],
            WorkingDays.Holidays(2026));
    }

    [Fact]
    public void Koningsdag_moves_to_the_26th_when_the_27th_is_a_sunday()
    {
        Assert.Contains(new DateOnly(2025, 4, 26), WorkingDays.Holidays(2025));
        Assert.DoesNotContain(new DateOnly(2025, 4, 27), WorkingDays.Holidays(2025));
    }

    [Fact]
    public void Five_working_days_skip_weekends_holidays_Goede_Vrijdag_and_configured_Royal_Decree_days()
    {
        // Thursday 30 April 2026 + 5 working days: Fri 1, Mon 4, (Tue 5 May, every year), Wed 6, Thu 7, Fri 8 May.
        Assert.Equal(new DateOnly(2026, 5, 8), Calendar.AddWorkingDays(new DateOnly(2026, 4, 30), 5));
        // Wednesday 1 April 2026: Thu 2, (Goede Vrijdag 3, weekend, Tweede Paasdag 6), Tue 7, Wed 8, Thu 9, Fri 10.
        Assert.Equal(new DateOnly(2026, 4, 10), Calendar.AddWorkingDays(new DateOnly(2026, 4, 1), 5));
        // Art. 3 lid 3: a decree may add the Friday after Hemelvaartsdag (15 May 2026); only configuration knows it.
        var withDecree = new WorkingDays([new DateOnly(2026, 5, 15)]);
        // Tue 12 May: Wed 13, (Hemelvaartsdag 14), Fri 15, Mon 18, Tue 19, Wed 20 — or Thu 21 when the 15th is off.
        Assert.Equal(new DateOnly(2026, 5, 20), Calendar.AddWorkingDays(new DateOnly(2026, 5, 12), 5));
        Assert.Equal(new DateOnly(2026, 5, 21), withDecree.AddWorkingDays(new DateOnly(2026, 5, 12), 5));
        Assert.Equal(5, Calendar.Between(new DateOnly(2026, 4, 30), new DateOnly(2026, 5, 8)));
        Assert.Equal(0, Calendar.Between(new DateOnly(2026, 5, 8), new DateOnly(2026, 5, 8)));
    }

    [Theory]
    [InlineData("2025-01-06", 5, "2025-01-14")] // Mon: day 5 is Mon 13 (still on time), missed from Tue 14 (OP271)
    [InlineData("2025-04-15", 5, "2025-04-25")] // Goede Vrijdag 18 and Tweede Paasdag 21 April do not count
    [InlineData("2025-01-08", 3, "2025-01-14")] // OP090: a retour within 3 working days of Wed 8 is late from Tue 14
    [InlineData("2025-01-09", 5, "2025-01-17")] // day 5 is Thu 16; a 305 on the weekend after a Friday day 5 is still on time
    [InlineData("2025-01-03", 5, "2025-01-13")] // Fri 3: day 5 is Fri 10; Saturday 11 is not late, Monday 13 is
    public void A_deadline_of_N_working_days_is_missed_from_the_next_working_day_after_day_N(string from, int days, string missed) =>
        Assert.Equal(DateOnly.Parse(missed, System.Globalization.CultureInfo.InvariantCulture),
            Calendar.MissedFrom(DateOnly.Parse(from, System.Globalization.CultureInfo.InvariantCulture), days));
}
