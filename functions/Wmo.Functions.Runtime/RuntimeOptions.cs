using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Wmo.Functions.Runtime;

/// <summary>Settings of this runtime that host.json has no place for (configuration section <c>Runtime</c>).</summary>
public sealed record RuntimeOptions
{
    /// <summary>Host id: hosts with the same id on one storage account share timer locks and schedule status.</summary>
    public string HostId { get; init; } = "wmo-integration";

    /// <summary>How long a received message stays invisible while its handler runs (renewed at half). Azure uses 10 minutes.</summary>
    public TimeSpan MessageLease { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>On shutdown, how long in-flight handlers may finish before they are cancelled and their messages released.</summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Time zone of timer schedules (Azure's WEBSITE_TIME_ZONE); UTC when unset.</summary>
    public TimeZoneInfo ScheduleTimeZone { get; init; } = TimeZoneInfo.Utc;

    public static RuntimeOptions From(IConfiguration configuration)
    {
        var defaults = new RuntimeOptions();
        var section = configuration.GetSection("Runtime");
        var zone = configuration["WEBSITE_TIME_ZONE"];
        return new RuntimeOptions
        {
            HostId = section["HostId"] is { Length: > 0 } id ? id.ToLowerInvariant() : defaults.HostId,
            MessageLease = Span(section, "MessageLease", defaults.MessageLease),
            ShutdownGrace = Span(section, "ShutdownGrace", defaults.ShutdownGrace),
            ScheduleTimeZone = string.IsNullOrWhiteSpace(zone) ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(zone),
        };
    }

    private static TimeSpan Span(IConfigurationSection section, string key, TimeSpan fallback) =>
        section[key] is { Length: > 0 } text
            ? TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero
                ? span
                : throw new InvalidOperationException($"Setting Runtime:{key} '{text}' is not a positive duration (hh:mm:ss).")
            : fallback;
}
