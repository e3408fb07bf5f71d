using NCrontab;

namespace Wmo.Functions.Runtime;

/// <summary>
/// An NCRONTAB schedule as Azure Functions uses it: six fields ({second} {minute} {hour} {day} {month}
/// {day-of-week}), evaluated in the host's schedule time zone (UTC unless WEBSITE_TIME_ZONE says otherwise).
/// </summary>
public sealed class TimerSchedule
{
    private readonly CrontabSchedule _cron;
    private readonly TimeZoneInfo _zone;

    private TimerSchedule(string expression, CrontabSchedule cron, TimeZoneInfo zone)
    {
        Expression = expression;
        _cron = cron;
        _zone = zone;
    }

    public string Expression { get; }

    public static TimerSchedule Parse(string expression, TimeZoneInfo? zone = null)
    {
        var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 6)
        {
            throw new FormatException(
                $"Timer schedule '{expression}' has {fields.Length} fields; Azure Functions uses six: " +
                "{second} {minute} {hour} {day} {month} {day-of-week}, e.g. '0 0 6 * * *' for 06:00 daily.");
        }

        var cron = CrontabSchedule.TryParse(string.Join(' ', fields), new CrontabSchedule.ParseOptions { IncludingSeconds = true })
            ?? throw new FormatException($"Timer schedule '{expression}' is not a valid NCRONTAB expression.");
        return new TimerSchedule(expression, cron, zone ?? TimeZoneInfo.Utc);
    }

    /// <summary>The first occurrence strictly after <paramref name="after"/>.</summary>
    public DateTimeOffset NextAfter(DateTimeOffset after)
    {
        var local = TimeZoneInfo.ConvertTime(after, _zone);
        // NCrontab works on whole seconds: start from the current second so a fraction does not skip one.
        var baseTime = new DateTime(local.Ticks - (local.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Unspecified);
        var next = _cron.GetNextOccurrence(baseTime);
        while (true)
        {
            // A local time that does not exist (DST spring-forward gap) is skipped like Azure skips it.
            if (!_zone.IsInvalidTime(next))
            {
                var result = new DateTimeOffset(next, _zone.GetUtcOffset(next));
                if (result > after)
                {
                    return result.ToUniversalTime();
                }
            }

            next = _cron.GetNextOccurrence(next);
        }
    }
}
