using System.Globalization;

namespace Wmo.Host;

/// <summary>
/// The clock of a demo that replays months of traffic in minutes (setting <c>Demo__Clock</c> = <c>on</c>, used by
/// <c>./wmo run</c> and the dashboard tests, never in production): it starts at <c>Demo__ClockStart</c> (a date), or
/// <c>Demo__ClockDaysBack</c> days ago, at 08:00 Dutch time, and runs on from there; <c>POST /api/admin/demo/klok?naar=…</c> moves it forward, and moving it to the
/// present makes it the real clock again. Receipt times, deadlines and alerts then carry the simulated dates, as if
/// the traffic had come in over those months. Only forward: timers and leases never see time go back.
/// </summary>
public sealed class DemoClock : TimeProvider
{
    private long _offsetTicks;

    public DemoClock(DateTimeOffset start) => _offsetTicks = Math.Min(0, (start - System.GetUtcNow()).Ticks);

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    /// <summary>Moves the clock to <paramref name="to"/> (at most to the real now); false when that lies before the clock's now.</summary>
    public bool MoveTo(DateTimeOffset to)
    {
        var real = System.GetUtcNow();
        var target = to > real ? real : to;
        if (target < GetUtcNow())
        {
            return false;
        }

        Interlocked.Exchange(ref _offsetTicks, (target - real).Ticks);
        return true;
    }

    /// <summary>The demo clock when <c>Demo:Clock</c> is on, else null.</summary>
    public static DemoClock? From(IConfiguration config)
    {
        if (!string.Equals(config["Demo:Clock"], "on", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var start = DateOnly.TryParseExact(config["Demo:ClockStart"], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            ? AtEight(day)
            : int.TryParse(config["Demo:ClockDaysBack"], out var back) && back > 0
                ? AtEight(Wmo.Messages.DutchTime.Today(TimeProvider.System).AddDays(-back))
                : TimeProvider.System.GetUtcNow();
        return new DemoClock(start);
    }

    /// <summary>08:00 Dutch time on a day: when the demo's working days begin.</summary>
    public static DateTimeOffset AtEight(DateOnly day)
    {
        var local = day.ToDateTime(new TimeOnly(8, 0));
        return new DateTimeOffset(local, Wmo.Messages.DutchTime.Zone.GetUtcOffset(local)).ToUniversalTime();
    }
}
