using Azure;
using Wmo.AzureStorage;
using Wmo.Testing;

namespace Wmo.Hub.Tests;

public sealed class AlertsTests : IClassFixture<AzuriteFixture>
{
    private readonly StorageClients _storage;
    private readonly Alerts _alerts;
    private readonly string _gemeente = Random.Shared.Next(1000, 9999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public AlertsTests(AzuriteFixture azurite)
    {
        _storage = azurite.CreateClient();
        _alerts = new Alerts(_storage, TimeProvider.System);
        _alerts.EnsureTableAsync().GetAwaiter().GetResult();
    }

    private Alert Alert(string subject, string severity) => new(Alerts.IdOf("R1", subject, "2026-03"), "R1", severity, AlertStatus.Open, _gemeente, subject, "2026-03",
        _gemeente, null, 42, "*****0006", subject, DateTimeOffset.UtcNow, null, 2, 4200, "Twee maanden eigen bijdrage stapelen op.");

    [Fact]
    public async Task Raising_the_same_alert_again_escalates_it_instead_of_repeating_and_never_lowers_it()
    {
        var subject = Guid.NewGuid().ToString("N");
        await _alerts.RaiseAsync(Alert(subject, AlertSeverity.Warning));
        await _alerts.RaiseAsync(Alert(subject, AlertSeverity.Critical));
        var last = await _alerts.RaiseAsync(Alert(subject, AlertSeverity.Warning));

        var (items, _) = await _alerts.ListAsync(new AlertFilter(Gemeente: _gemeente), 1000, null);
        var alert = Assert.Single(items, a => a.Subject == subject);
        Assert.Equal(AlertSeverity.Critical, alert.Severity);
        Assert.Equal(AlertSeverity.Critical, last.Severity);
    }

    [Fact]
    public async Task Raising_an_unchanged_alert_again_writes_nothing_and_a_changed_one_is_updated()
    {
        var subject = Guid.NewGuid().ToString("N");
        var table = _storage.GetTable(Alerts.TableName);
        var raised = await _alerts.RaiseAsync(Alert(subject, AlertSeverity.Warning));
        var first = (await table.GetAsync(_gemeente, raised.Id))!.ETag;

        await _alerts.RaiseAsync(Alert(subject, AlertSeverity.Warning) with { DetectedAt = raised.DetectedAt.AddHours(1) });
        Assert.Equal(first, (await table.GetAsync(_gemeente, raised.Id))!.ETag);

        await _alerts.RaiseAsync(Alert(subject, AlertSeverity.Warning) with { MonthsAtRisk = 3 });
        var changed = await table.GetAsync(_gemeente, raised.Id);
        Assert.NotEqual(first, changed!.ETag);
        Assert.Equal(3, changed.GetInt32("MonthsAtRisk"));
    }

    [Fact]
    public async Task Raising_in_a_batch_inserts_new_alerts_and_a_batch_that_meets_an_existing_one_still_escalates_it_without_duplicates()
    {
        var existing = Guid.NewGuid().ToString("N");
        var fresh = Enumerable.Range(0, 3).Select(_ => Guid.NewGuid().ToString("N")).ToList();
        await _alerts.RaiseAsync(Alert(existing, AlertSeverity.Warning));

        await _alerts.RaiseNewAsync([.. fresh.Select(f => Alert(f, AlertSeverity.Warning)), Alert(existing, AlertSeverity.Critical)]);

        var (items, _) = await _alerts.ListAsync(new AlertFilter(Gemeente: _gemeente), 1000, null);
        Assert.Equal(AlertSeverity.Critical, Assert.Single(items, a => a.Subject == existing).Severity);
        Assert.All(fresh, f => Assert.Single(items, a => a.Subject == f));
    }

    [Fact]
    public async Task An_acknowledged_alert_keeps_its_note_a_resolved_one_records_how_and_a_new_cause_reopens_it()
    {
        var subject = Guid.NewGuid().ToString("N");
        var raised = await _alerts.RaiseAsync(Alert(subject, AlertSeverity.Warning));

        var acknowledged = await _alerts.AcknowledgeAsync(raised.Id, "Aanbieder gebeld; start volgt deze week.", _ => true);
        Assert.True(await _alerts.ResolveAsync(_gemeente, raised.Id, "WMO305 ontvangen."));
        Assert.False(await _alerts.ResolveAsync(_gemeente, raised.Id, "again"));
        var (resolved, _) = await _alerts.ListAsync(new AlertFilter(Gemeente: _gemeente, Status: AlertStatus.Resolved), 1000, null);
        var reopened = await _alerts.RaiseAsync(Alert(subject, AlertSeverity.Warning));

        Assert.Equal(AlertStatus.Acknowledged, acknowledged!.Status);
        Assert.Equal("WMO305 ontvangen.", Assert.Single(resolved, a => a.Subject == subject).Resolution);
        Assert.Equal(AlertStatus.Open, reopened.Status);
        Assert.Null(await _alerts.AcknowledgeAsync(raised.Id, "not mine", _ => false));
    }
}
