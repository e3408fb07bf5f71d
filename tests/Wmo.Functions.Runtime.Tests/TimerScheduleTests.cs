namespace Wmo.Functions.Runtime.Tests;

public class TimerScheduleTests
{
    private static DateTimeOffset Utc(int y, int mo, int d, int h, int mi, int s, int ms = 0) => new(y, mo, d, h, mi, s, ms, TimeSpan.Zero);

    [Fact]
    public void The_next_occurrence_is_strictly_after_the_given_moment()
    {
        var schedule = TimerSchedule.Parse("0 */5 * * * *");

        Assert.Equal(Utc(2026, 11, 22, 10, 5, 0), schedule.NextAfter(Utc(2026, 11, 22, 10, 0, 0)));
        Assert.Equal(Utc(2026, 11, 22, 10, 5, 0), schedule.NextAfter(Utc(2026, 11, 22, 10, 0, 0, 500)));
        Assert.Equal(Utc(2026, 11, 22, 10, 5, 0), schedule.NextAfter(Utc(2026, 11, 22, 10, 4, 59, 999)));
    }

    [Fact]
    public void A_one_second_schedule_fires_on_every_second_boundary()
    {
        var schedule = TimerSchedule.Parse("* * * * * *");

        Assert.Equal(Utc(2026, 11, 22, 10, 0, 1), schedule.NextAfter(Utc(2026, 11, 22, 10, 0, 0, 250)));
        Assert.Equal(Utc(2026, 11, 22, 10, 0, 2), schedule.NextAfter(Utc(2026, 11, 22, 10, 0, 1)));
    }

    [Fact]
    public void A_daily_schedule_in_Amsterdam_time_follows_daylight_saving()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");
        var schedule = TimerSchedule.Parse("0 0 6 * * *", zone);

        Assert.Equal(Utc(2026, 7, 1, 4, 0, 0), schedule.NextAfter(Utc(2026, 7, 1, 0, 0, 0)));
        Assert.Equal(Utc(2026, 12, 1, 5, 0, 0), schedule.NextAfter(Utc(2026, 12, 1, 0, 0, 0)));
    }

    [Fact]
    public void An_occurrence_inside_the_spring_forward_gap_is_skipped()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");
        var schedule = TimerSchedule.Parse("0 30 2 * * *", zone);

        // 29 March 2026: 02:00 local jumps to 03:00, so 02:30 does not exist that day.
        Assert.Equal(Utc(2026, 3, 30, 0, 30, 0), schedule.NextAfter(Utc(2026, 3, 28, 23, 0, 0)));
    }

    [Theory]
    [InlineData("0 6 * * *")]
    [InlineData("0 0 25 * * *")]
    [InlineData("every day")]
    public void Five_field_and_invalid_expressions_are_refused_with_guidance(string expression)
    {
        var ex = Assert.Throws<FormatException>(() => TimerSchedule.Parse(expression));

        Assert.Contains(expression, ex.Message, StringComparison.Ordinal);
    }
}
