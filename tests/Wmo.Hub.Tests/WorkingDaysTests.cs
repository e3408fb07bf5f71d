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
    public void The_holidays_of_2026_follow_easter_and_the_fixed_days()
    {
        Assert.Equal(
            [new(2026, 1, 1), new(2026, 4, 5), new(2026, 4, 6), new(2026, 5, 14), new(2026, 5, 24), new(2026, 5, 25), new(2026, 4, 27), new(2026, 5, 5),
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
    public void Five_working_days_skip_weekends_and_holidays_and_extra_days_count_when_configured()
    {
        // Thursday 30 April 2026 + 5 working days: Fri 1, Mon 4, (Tue 5 May Bevrijdingsdag), Wed 6, Thu 7, Fri 8 May.
        Assert.Equal(new DateOnly(2026, 5, 8), Calendar.AddWorkingDays(new DateOnly(2026, 4, 30), 5));
        var withGoodFriday = new WorkingDays([new DateOnly(2026, 4, 3)]);
        // Wednesday 1 April: Thu 2, (Good Friday 3, weekend, Easter Monday 6), Tue 7, Wed 8, Thu 9, Fri 10.
        Assert.Equal(new DateOnly(2026, 4, 9), Calendar.AddWorkingDays(new DateOnly(2026, 4, 1), 5));
        Assert.Equal(new DateOnly(2026, 4, 10), withGoodFriday.AddWorkingDays(new DateOnly(2026, 4, 1), 5));
        Assert.Equal(5, Calendar.Between(new DateOnly(2026, 4, 30), new DateOnly(2026, 5, 8)));
        Assert.Equal(0, Calendar.Between(new DateOnly(2026, 5, 8), new DateOnly(2026, 5, 8)));
    }
}
