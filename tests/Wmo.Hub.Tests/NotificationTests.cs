using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Wmo.AzureStorage;
using Wmo.Hub.Notifications;
using Wmo.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Wmo.Hub.Tests;

/// <summary>The notification outbox against Azurite, delivered over real HTTP to a webhook receiver that fails for a while.</summary>
public sealed class NotificationTests : IClassFixture<AzuriteFixture>, IDisposable
{
    private readonly StorageClients _storage;
    private readonly string _owner = Random.Shared.Next(10_000_000, 99_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
    private readonly string _gemeente = Random.Shared.Next(1000, 9999).ToString(System.Globalization.CultureInfo.InvariantCulture);
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
    private readonly WebhookReceiver _receiver = new();

    private readonly ServiceProvider _http;

    public NotificationTests(AzuriteFixture azurite)
    {
        _storage = azurite.CreateClient();
        // Production's webhook client (retries, breaker, timeouts) with short retry waits, on the test's clock.
        _http = new ServiceCollection().AddLogging().AddSingleton<TimeProvider>(_clock)
            .AddHubHttpClients(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Http:Webhooks:Retry:Delay"] = "00:00:00.010",
            }).Build())
            .BuildServiceProvider();
    }

    public void Dispose()
    {
        _http.Dispose();
        _receiver.Dispose();
    }

    private (Alerts Alerts, Notifier Notifier, NotificationOutbox Outbox) Create(int maxPerHour, string format = WebhookFormat.Json)
    {
        // Each test its own outbox table, so one test's delivery round does not post another's notifications.
        var outbox = new NotificationOutbox(_storage, new OwnerDirectory([new Owner(_owner, "Zorg BV", "planning@zorg.example", null, _receiver.Url, format, maxPerHour)]), _clock,
            "meldingen" + Guid.NewGuid().ToString("N")[..10]);
        var alerts = new Alerts(_storage, _clock, outbox);
        Task.WhenAll(outbox.EnsureTableAsync(), alerts.EnsureTableAsync()).GetAwaiter().GetResult();
        return (alerts, new Notifier(outbox, _http.GetRequiredService<IHttpClientFactory>().CreateClient(HubHttpClients.Webhooks), _clock), outbox);
    }

    private Alert NewAlert(int n, string severity = AlertSeverity.Warning) => new(
        Alerts.IdOf("R3-305", $"{_owner}|{n}", "p"), "R3-305", severity, AlertStatus.Open, _owner, $"{_owner}|{n}", "p", _gemeente, _owner, 100 + n,
        "*****1234", "person", _clock.GetUtcNow(), _clock.GetUtcNow(), null, null, $"Toewijzing {100 + n} heeft nog geen startbericht.");

    [Fact]
    public async Task A_webhook_down_for_an_hour_gets_every_notification_exactly_once_in_order_after_it_recovers()
    {
        var (alerts, notifier, _) = Create(maxPerHour: 100);
        for (var i = 0; i < 5; i++)
        {
            await alerts.RaiseAsync(NewAlert(i));
            _clock.Now += TimeSpan.FromSeconds(1);
        }

        await alerts.RaiseAsync(NewAlert(0)); // the same again (a second scan): no new notification
        await alerts.RaiseAsync(NewAlert(1, AlertSeverity.Critical)); // escalated
        _clock.Now += TimeSpan.FromSeconds(1);
        await alerts.ResolveAsync(_gemeente, NewAlert(2).Id, "Startbericht ontvangen.");
        var down = _clock.Now + TimeSpan.FromHours(1);
        _receiver.FailUntil = () => _clock.Now < down;

        var rounds = 0;
        while (_clock.Now < down + TimeSpan.FromMinutes(30))
        {
            await notifier.DeliverAsync();
            _clock.Now += TimeSpan.FromMinutes(1);
            rounds++;
        }

        var ids = _receiver.Delivered.SelectMany(b => b["notifications"]!.AsArray()).Select(n => n!["id"]!.GetValue<string>()).ToList();
        Assert.Equal(7, ids.Count); // five raised, one escalated, one resolved; the repeat raised nothing
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal([NewAlert(0).Id, NewAlert(1).Id, NewAlert(2).Id, NewAlert(3).Id, NewAlert(4).Id, NewAlert(1).Id, NewAlert(2).Id],
            ids.Select(i => i.Split('|')[0]));
        Assert.Contains(ids, i => i.StartsWith(NewAlert(1).Id + "|escalated|critical", StringComparison.Ordinal));
        Assert.Contains(ids, i => i.StartsWith(NewAlert(2).Id + "|resolved", StringComparison.Ordinal));
        // Backoff: it kept trying through the hour, but far less than once a minute (90 rounds). Each of the
        // notifier's attempts is at most three requests (the client's two quick retries), fewer once the breaker opens.
        Assert.InRange(_receiver.Failures, 4, 3 * 15);
        Assert.Equal(0, (await notifier.DeliverAsync()).Waiting);
        Assert.All(_receiver.Headers, h => Assert.False(string.IsNullOrEmpty(h)));
        Assert.True(rounds > 60);
    }

    [Fact]
    public async Task Retention_deletes_notifications_delivered_before_its_period_and_keeps_recent_and_pending_ones()
    {
        var (alerts, notifier, outbox) = Create(maxPerHour: 100);
        var retention = new Retention(_storage, new Mailboxes(_storage, _clock), new Tracking(_storage, _clock), _clock, TimeSpan.FromDays(400), outbox, TimeSpan.FromDays(30));
        await alerts.RaiseAsync(NewAlert(0));
        await alerts.RaiseAsync(NewAlert(1));
        await notifier.DeliverAsync();
        _clock.Now += TimeSpan.FromDays(10);
        await alerts.RaiseAsync(NewAlert(2));
        await notifier.DeliverAsync();
        _receiver.FailUntil = () => true;
        await alerts.RaiseAsync(NewAlert(3));
        await notifier.DeliverAsync();
        _clock.Now += TimeSpan.FromDays(25); // the first two were delivered 35 days ago, the third 25

        var purged = await retention.PurgeNotificationsAsync(_clock.GetUtcNow());

        Assert.Equal(2, purged);
        var left = new Dictionary<string, string?>();
        await foreach (var e in outbox.Table.QueryAsync(TableFilter.Equal("Kind", Notification.Raised)))
        {
            left[e.GetString("AlertId")!] = e.GetString("Status");
        }

        Assert.Equal(2, left.Count);
        Assert.Equal("delivered", left[NewAlert(2).Id]);
        Assert.Equal("pending", left[NewAlert(3).Id]);
    }

    [Fact]
    public async Task Beyond_the_hourly_limit_waiting_notifications_go_in_one_bundle_and_the_next_wait_for_the_next_hour()
    {
        var (alerts, notifier, _) = Create(maxPerHour: 3);
        for (var i = 0; i < 2; i++)
        {
            await alerts.RaiseAsync(NewAlert(i));
        }

        var first = await notifier.DeliverAsync(); // 2 within the limit: one post each
        for (var i = 2; i < 9; i++)
        {
            await alerts.RaiseAsync(NewAlert(i));
        }

        _clock.Now += TimeSpan.FromMinutes(1);
        var second = await notifier.DeliverAsync(); // 7 waiting, 1 post left this hour: one bundle of 7
        await alerts.RaiseAsync(NewAlert(9));
        _clock.Now += TimeSpan.FromMinutes(1);
        var third = await notifier.DeliverAsync(); // the hour is used up
        _clock.Now += TimeSpan.FromHours(1);
        var fourth = await notifier.DeliverAsync();

        Assert.Equal((2, 2), (first.Sent, first.Posts));
        Assert.Equal((7, 1), (second.Sent, second.Posts));
        Assert.Equal((0, 0, 1), (third.Sent, third.Posts, third.Waiting));
        Assert.Equal((1, 1), (fourth.Sent, fourth.Posts));
        Assert.Equal(7, _receiver.Delivered[2]["notifications"]!.AsArray().Count);
        Assert.Contains("7 meldingen", _receiver.Delivered[2]["text"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_daily_digest_counts_the_owners_open_alerts_once_per_day()
    {
        var (alerts, notifier, outbox) = Create(maxPerHour: 20);
        await alerts.RaiseAsync(NewAlert(0, AlertSeverity.Critical));
        await alerts.RaiseAsync(NewAlert(1));
        await alerts.RaiseAsync(NewAlert(2));
        await alerts.ResolveAsync(_gemeente, NewAlert(2).Id, "Opgelost.");
        await notifier.DeliverAsync();
        var before = _receiver.Delivered.Count;

        Assert.Equal(1, await outbox.EnqueueDigestsAsync(alerts, new DateOnly(2026, 11, 23)));
        Assert.Equal(0, await outbox.EnqueueDigestsAsync(alerts, new DateOnly(2026, 11, 23)));
        await notifier.DeliverAsync();

        var digest = Assert.Single(_receiver.Delivered.Skip(before));
        var text = digest["text"]!.GetValue<string>();
        Assert.Contains("Dagoverzicht 23-11-2026", text, StringComparison.Ordinal);
        Assert.Contains("2 open signalen (1 kritiek)", text, StringComparison.Ordinal);
        Assert.Contains("startbericht ontbreekt 2", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Teams_gets_a_MessageCard_and_Slack_a_text_message()
    {
        var n = new Notification("a|raised|critical|0", _owner, Notification.Raised, _clock.GetUtcNow(), "Kritiek: stapelfactuur dreigt", "Drie maanden in één factuur.",
            "a", "R1", AlertSeverity.Critical, _gemeente, null, 3, 6300);

        var teams = Notifier.Body(WebhookFormat.Teams, [n]);
        var slack = Notifier.Body(WebhookFormat.Slack, [n]);

        Assert.Equal("MessageCard", teams["@type"]!.GetValue<string>());
        Assert.Equal("https://schema.org/extensions", teams["@context"]!.GetValue<string>());
        Assert.Equal("Kritiek: stapelfactuur dreigt", teams["summary"]!.GetValue<string>());
        Assert.Contains(teams["sections"]![0]!["facts"]!.AsArray(), f => f!["name"]!.GetValue<string>() == "Bedrag" && f["value"]!.GetValue<string>() == "€ 63,00");
        Assert.Equal("*Kritiek: stapelfactuur dreigt*\n• Drie maanden in één factuur.", slack["text"]!.GetValue<string>());
        Assert.Single(slack);
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    /// <summary>A real HTTP webhook endpoint: answers 503 while <see cref="FailUntil"/> says so, records what it accepted.</summary>
    private sealed class WebhookReceiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly ConcurrentQueue<JsonObject> _delivered = new();
        private readonly ConcurrentQueue<string?> _headers = new();
        private int _failures;

        public WebhookReceiver()
        {
            var port = AzuriteFixture.FreePort();
            Url = new Uri($"http://127.0.0.1:{port}/hook/");
            _listener.Prefixes.Add(Url.ToString());
            _listener.Start();
            _ = Task.Run(LoopAsync);
        }

        public Uri Url { get; }

        public Func<bool> FailUntil { get; set; } = () => false;

        public List<JsonObject> Delivered => [.. _delivered];

        public List<string?> Headers => [.. _headers];

        public int Failures => _failures;

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                using var reader = new StreamReader(context.Request.InputStream);
                var body = await reader.ReadToEndAsync();
                if (FailUntil())
                {
                    Interlocked.Increment(ref _failures);
                    context.Response.StatusCode = 503;
                }
                else
                {
                    _delivered.Enqueue(JsonNode.Parse(body)!.AsObject());
                    _headers.Enqueue(context.Request.Headers["X-Wmo-Notification-Id"]);
                    context.Response.StatusCode = 200;
                }

                context.Response.Close();
            }
        }

        public void Dispose() => _listener.Close();
    }
}
