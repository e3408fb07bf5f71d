namespace Wmo.Messages;

/// <summary>
/// Dates as the chain means them: a Dagtekening, "today" for TR135 and every deadline are Dutch calendar dates, not
/// UTC ones (between midnight and 01:00/02:00 local time they differ).
/// </summary>
public static class DutchTime
{
    public static readonly TimeZoneInfo Zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");

    /// <summary>The calendar date of a moment in the given zone (default: the Netherlands).</summary>
    public static DateOnly DateOf(DateTimeOffset at, TimeZoneInfo? zone = null) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, zone ?? Zone).DateTime);

    public static DateOnly Today(TimeProvider time, TimeZoneInfo? zone = null) => DateOf(time.GetUtcNow(), zone);
}
