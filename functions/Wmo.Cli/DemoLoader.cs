using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Wmo.Cli;

/// <summary>
/// Plays the demo scenario into a running host whose clock is a demo clock (<c>Demo__Clock=on</c>): day by day it
/// moves the clock, posts that day's messages as their senders, lets routing and the CAK leg settle, and runs the
/// day's detection scan, as the timer would have. Afterwards the clock is back at the present and the dashboard shows
/// five months of history.
/// </summary>
public sealed class DemoLoader(HttpClient hub, HttpClient? cak, string adminKey, TextWriter log)
{
    public sealed record Summary(int Posted, int Duplicates, int Rejected, int Days);

    /// <summary>Whether the host runs on a demo clock (its GET /api/admin/demo/klok answers).</summary>
    public async Task<bool> HasDemoClockAsync(CancellationToken ct)
    {
        using var response = await hub.GetAsync("/api/admin/demo/klok", ct);
        return response.IsSuccessStatusCode;
    }

    public async Task<Summary> LoadAsync(IReadOnlyList<DemoMessage> plan, DateOnly first, DateOnly today, CancellationToken ct)
    {
        int posted = 0, duplicates = 0, rejected = 0, days = 0;
        var byDay = plan.GroupBy(m => m.Day).ToDictionary(g => g.Key, g => g.ToList());
        for (var day = first; day <= today; day = day.AddDays(1))
        {
            var messages = byDay.GetValueOrDefault(day) ?? [];
            var workingDay = day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);
            if (messages.Count == 0 && !workingDay)
            {
                continue;
            }

            days++;
            await MoveClockAsync(AtNine(day), ct);
            // Heenberichten first, then the retours on earlier ones; within each, in parallel (different persons).
            foreach (var group in messages.GroupBy(m => Wmo.Messages.MessageCatalog.FindByName(m.Bericht)!.IsRetour).OrderBy(g => g.Key))
            {
                var results = await Task.WhenAll(group.Select(m => PostAsync(m, ct)));
                posted += results.Count(r => r == HttpStatusCode.Accepted);
                duplicates += results.Count(r => r == HttpStatusCode.Conflict);
                rejected += results.Count(r => r is not (HttpStatusCode.Accepted or HttpStatusCode.Conflict));
            }

            if (messages.Count > 0)
            {
                await SettleAsync(ct);
            }

            if (workingDay)
            {
                await AdminPostAsync($"/api/admin/scan?asOf={day:yyyy-MM-dd}", ct);
            }

            if (day.Day == 1 || day == today)
            {
                log.WriteLine($"  {day:yyyy-MM-dd}: {posted} messages accepted so far");
            }
        }

        // Back to the present: the clock is the real one again, and today's scan runs on it.
        await MoveClockAsync(DateTimeOffset.UtcNow, ct);
        await SettleAsync(ct);
        await AdminPostAsync($"/api/admin/scan?asOf={today:yyyy-MM-dd}", ct);
        return new Summary(posted, duplicates, rejected, days);
    }

    private static DateTimeOffset AtNine(DateOnly day)
    {
        var local = day.ToDateTime(new TimeOnly(9, 0));
        return new DateTimeOffset(local, Wmo.Messages.DutchTime.Zone.GetUtcOffset(local));
    }

    private async Task MoveClockAsync(DateTimeOffset to, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/admin/demo/klok?naar=" + Uri.EscapeDataString(to.ToString("o", CultureInfo.InvariantCulture)));
        request.Headers.Add("X-Api-Key", adminKey);
        using var response = await hub.SendAsync(request, ct);
        // 409: the clock is past this moment already (the demo was loaded before); the messages are then duplicates.
        if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.Conflict)
        {
            throw new InvalidOperationException($"Moving the demo clock to {to:o} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        }
    }

    private async Task<HttpStatusCode> PostAsync(DemoMessage message, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/berichten") { Content = new ByteArrayContent(message.Xml) };
            request.Content.Headers.ContentType = new("application/xml");
            request.Headers.Add("X-Api-Key", DemoTraffic.KeyFor(message.Sender));
            using var response = await hub.SendAsync(request, ct);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && attempt < 60)
            {
                await Task.Delay(500, ct); // the host is still starting
                continue;
            }

            if (response.StatusCode is not (HttpStatusCode.Accepted or HttpStatusCode.Conflict))
            {
                log.WriteLine($"  {message.Day:yyyy-MM-dd} {message.Bericht} from {message.Sender}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
            }

            return response.StatusCode;
        }
    }

    /// <summary>
    /// Waits until routing has taken every message, then runs the CAK relay at once (instead of on its timer) and
    /// waits for the CAK's answers to be routed too, so the next simulated day starts from a settled chain.
    /// </summary>
    private async Task SettleAsync(CancellationToken ct)
    {
        await InboxEmptyAsync(ct);
        await AdminPostAsync("/admin/functions/CakRelay", ct);
        if (cak is not null)
        {
            var waiting = System.Diagnostics.Stopwatch.StartNew();
            while (waiting.Elapsed < TimeSpan.FromSeconds(30))
            {
                var received = await cak.GetFromJsonAsync<JsonElement>("/api/ontvangen", ct);
                if (received.EnumerateArray().All(r => r.TryGetProperty("answeredOn", out var a) && a.ValueKind != JsonValueKind.Null))
                {
                    break;
                }

                await Task.Delay(50, ct);
            }
        }

        await InboxEmptyAsync(ct);
    }

    private async Task InboxEmptyAsync(CancellationToken ct)
    {
        var waiting = System.Diagnostics.Stopwatch.StartNew();
        while (waiting.Elapsed < TimeSpan.FromSeconds(60))
        {
            var functions = await hub.GetFromJsonAsync<JsonElement>("/api/functions", ct);
            var route = functions.EnumerateArray().FirstOrDefault(f => f.GetProperty("name").GetString() == "RouteBericht");
            if (route.ValueKind == JsonValueKind.Undefined || route.GetProperty("queueLength").GetInt64() == 0)
            {
                return;
            }

            await Task.Delay(50, ct);
        }
    }

    private async Task AdminPostAsync(string path, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Add("X-Api-Key", adminKey);
        using var response = await hub.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {path} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        }
    }
}
