using Wmo.AzureStorage;
using Wmo.Testing;

namespace Wmo.Hub.Tests;

/// <summary>
/// The alerts in urgency order across gemeenten (the CAK liaison's Signalen page): most urgent first over every
/// gemeente, each open alert exactly once when paging, kept up to date through escalation, acknowledgement and
/// resolution, and rebuilt by the repair pass after a crash left it behind.
/// </summary>
public sealed class AlertUrgencyTests : IClassFixture<AzuriteFixture>
{
    private readonly StorageClients _storage;
    private readonly Alerts _alerts;
    private readonly string _owner = "urgentie-" + Guid.NewGuid().ToString("N")[..8]; // isolates this test's alerts in the shared index
    private readonly DateTimeOffset _now = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    public AlertUrgencyTests(AzuriteFixture azurite)
    {
        _storage = azurite.CreateClient();
        _alerts = new Alerts(_storage, TimeProvider.System);
        _alerts.EnsureTableAsync().GetAwaiter().GetResult();
    }

    private Alert Make(string gemeente, string severity, long cents, int daysOverdue, string? subject = null)
    {
        subject ??= Guid.NewGuid().ToString("N");
        return new Alert(Alerts.IdOf("R1", subject, "2026-11"), "R1", severity, AlertStatus.Open, _owner, subject, "2026-11", gemeente, null, 1, "*****0006",
            subject, _now, _now.AddDays(-daysOverdue), (int)(cents / 2100), cents, "Test.");
    }

    private async Task<List<Alert>> AllPagesAsync(int pageSize, AlertFilter? filter = null)
    {
        var all = new List<Alert>();
        string? next = null;
        do
        {
            var (items, more) = await _alerts.ListUrgentAsync(filter ?? new AlertFilter(Owner: _owner), pageSize, next);
            all.AddRange(items);
            next = more;
        }
        while (next is not null);
        return all;
    }

    private static IEnumerable<Alert> ByUrgency(IEnumerable<Alert> alerts) =>
        alerts.OrderByDescending(a => a.Severity == AlertSeverity.Critical).ThenByDescending(a => a.AmountAtRiskCents).ThenBy(a => a.DueSince).ThenBy(a => a.Id, StringComparer.Ordinal);

    [Fact]
    public async Task Paging_gives_every_open_alert_of_every_gemeente_once_most_urgent_first()
    {
        var random = new Random(7);
        var raised = new List<Alert>();
        foreach (var gemeente in new[] { "0363", "0384", "0599" })
        {
            raised.AddRange(Enumerable.Range(0, 25).Select(_ => Make(gemeente, random.Next(3) == 0 ? AlertSeverity.Critical : AlertSeverity.Warning,
                random.Next(1, 40) * 2100, random.Next(1, 200))));
        }

        await _alerts.RaiseNewAsync(raised.Take(40).ToList());
        foreach (var alert in raised.Skip(40))
        {
            await _alerts.RaiseAsync(alert);
        }

        var listed = await AllPagesAsync(pageSize: 7);

        Assert.Equal(raised.Count, listed.Count);
        Assert.Equal(ByUrgency(raised).Select(a => a.Id), listed.Select(a => a.Id));
        Assert.Equal(3, listed.Take(30).Select(a => a.Gemeente).Distinct().Count()); // not one gemeente after the other
        Assert.Equal(raised.Single(a => a.Id == listed[0].Id).Explanation, listed[0].Explanation);
    }

    [Fact]
    public async Task Escalation_moves_an_alert_up_acknowledgement_keeps_it_with_its_status_and_resolution_takes_it_out()
    {
        var low = Make("0363", AlertSeverity.Warning, 2100, 10, "laag");
        var high = Make("0384", AlertSeverity.Critical, 21000, 10, "hoog");
        await _alerts.RaiseAsync(low);
        await _alerts.RaiseAsync(high);
        Assert.Equal([high.Id, low.Id], (await AllPagesAsync(100)).Select(a => a.Id));

        await _alerts.RaiseAsync(low with { Severity = AlertSeverity.Critical, AmountAtRiskCents = 42000 });
        Assert.Equal([low.Id, high.Id], (await AllPagesAsync(100)).Select(a => a.Id));

        await _alerts.AcknowledgeAsync(high.Id, "Gebeld.", _ => true);
        var acknowledged = await AllPagesAsync(100, new AlertFilter(Owner: _owner, Status: AlertStatus.Acknowledged));
        Assert.Equal("Gebeld.", Assert.Single(acknowledged).Note);

        await _alerts.ResolveAsync("0363", low.Id, "Opgelost.");
        Assert.Equal([high.Id], (await AllPagesAsync(100)).Select(a => a.Id));
    }

    [Fact]
    public async Task The_repair_pass_rebuilds_a_lost_or_stale_index_and_counts_the_open_alerts()
    {
        var alerts = Enumerable.Range(0, 5).Select(i => Make("0599", i == 0 ? AlertSeverity.Critical : AlertSeverity.Warning, 2100 * (i + 1), i + 1)).ToList();
        foreach (var alert in alerts)
        {
            await _alerts.RaiseAsync(alert);
        }

        // What a crash between the alert write and its index write leaves: index rows missing, or one with old data.
        var index = _storage.GetTable(Alerts.IndexTableName);
        static string Partition(Alert a) => Alerts.IndexPartition(Alerts.UrgencyKey(a));
        await index.DeleteAsync(Partition(alerts[1]), Alerts.UrgencyKey(alerts[1]));
        await index.DeleteAsync(Partition(alerts[2]), Alerts.UrgencyKey(alerts[2]));
        var stale = await index.GetAsync(Partition(alerts[3]), Alerts.UrgencyKey(alerts[3]));
        stale!["Note"] = "verouderd";
        await index.UpsertAsync(stale, Azure.Data.Tables.TableUpdateMode.Replace);
        Assert.Equal(3, (await AllPagesAsync(100)).Count);

        var corrected = await _alerts.RepairIndexAsync();

        Assert.True(corrected >= 3, $"corrected {corrected}");
        var listed = await AllPagesAsync(100);
        Assert.Equal(ByUrgency(alerts).Select(a => a.Id), listed.Select(a => a.Id));
        Assert.All(listed, a => Assert.Null(a.Note));
        var (open, critical, countedAt) = await _alerts.OpenCountAsync();
        Assert.True(open >= alerts.Count && critical >= 1 && countedAt is not null);
    }
}
