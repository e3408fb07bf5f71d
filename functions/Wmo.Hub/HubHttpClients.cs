using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Wmo.Hub;

/// <summary>
/// The hub's outgoing HTTP, in one place: the CAK endpoint (WMO405 over HTTPS) and the owners' webhooks. Each is a
/// named client from <see cref="IHttpClientFactory"/> with Microsoft.Extensions.Http.Resilience's standard pipeline:
/// a total timeout, retries with exponential backoff and jitter that honour <c>Retry-After</c>, a circuit breaker,
/// and a per-attempt timeout. Defaults below; every value can be set under <c>Http:Cak:…</c> or
/// <c>Http:Webhooks:…</c> (the option names of <see cref="HttpStandardResilienceOptions"/>, e.g.
/// <c>Http__Cak__Retry__MaxRetryAttempts</c>, <c>Http__Cak__CircuitBreaker__BreakDuration</c>).
/// </summary>
public static class HubHttpClients
{
    public const string Cak = "cak";
    public const string Webhooks = "webhooks";

    public static IServiceCollection AddHubHttpClients(this IServiceCollection services, IConfiguration configuration)
    {
        // The CAK: a WMO405 leaves the outbox only after a 2xx, so retries here only make a round succeed sooner;
        // when the CAK is down the breaker stops the relay from hammering it, and the next round tries again.
        // The CAK deduplicates on the WMO405's Identificatie (IB016), so a retry after a lost answer is harmless.
        services.AddHttpClient(Cak).AddStandardResilienceHandler(options =>
        {
            Defaults(options, retries: 3, attempt: TimeSpan.FromSeconds(10), total: TimeSpan.FromSeconds(60),
                breakDuration: TimeSpan.TryParse(configuration["Cak:BreakDuration"], CultureInfo.InvariantCulture, out var pause) ? pause : TimeSpan.FromSeconds(30));
            configuration.GetSection("Http:Cak").Bind(options);
        });

        // Webhooks: the notifier keeps undelivered notifications and backs off per owner (30 s up to 15 min), so a
        // short retry here is enough; the X-Wmo-Notification-Id header lets a receiver drop a repeat.
        services.AddHttpClient(Webhooks).AddStandardResilienceHandler(options =>
        {
            Defaults(options, retries: 2, attempt: TimeSpan.FromSeconds(10), total: TimeSpan.FromSeconds(30), breakDuration: TimeSpan.FromSeconds(30));
            configuration.GetSection("Http:Webhooks").Bind(options);
        });
        return services;
    }

    private static void Defaults(HttpStandardResilienceOptions options, int retries, TimeSpan attempt, TimeSpan total, TimeSpan breakDuration)
    {
        options.TotalRequestTimeout.Timeout = total;
        options.AttemptTimeout.Timeout = attempt;
        options.Retry.MaxRetryAttempts = retries;
        options.Retry.BackoffType = DelayBackoffType.Exponential;
        options.Retry.UseJitter = true;
        options.Retry.Delay = TimeSpan.FromMilliseconds(500);
        options.Retry.ShouldRetryAfterHeader = true;
        // Open after half of at least four calls in the window failed: a CAK that is down trips it within one relay
        // round; a single hiccup among many successes does not.
        options.CircuitBreaker.FailureRatio = 0.5;
        options.CircuitBreaker.MinimumThroughput = 4;
        options.CircuitBreaker.SamplingDuration = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(30).Ticks, attempt.Ticks * 2));
        options.CircuitBreaker.BreakDuration = breakDuration;
    }

    /// <summary>The failures a caller treats as "the other side is unreachable now" (try again later, lose nothing).</summary>
    public static bool IsUnreachable(Exception ex) =>
        ex is HttpRequestException or IOException or TaskCanceledException
            or Polly.CircuitBreaker.BrokenCircuitException or Polly.Timeout.TimeoutRejectedException;
}
