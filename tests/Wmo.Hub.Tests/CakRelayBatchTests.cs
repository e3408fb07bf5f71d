using Wmo.AzureStorage;
using Wmo.Hub.Cak;
using Wmo.Testing;

namespace Wmo.Hub.Tests;

/// <summary>The relay with the mailbox transport, which takes many WMO405 per transaction: order and exactly-once.</summary>
public sealed class CakRelayBatchTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private readonly StorageClients _storage = azurite.CreateClient();

    private async Task<(CakOutbox Outbox, Mailboxes Mailboxes, Tracking Tracking, Alerts Alerts)> CreateAsync()
    {
        var outbox = new CakOutbox(_storage, UniqueName.For("cakuit"));
        await outbox.EnsureTableAsync();
        var mailboxes = new Mailboxes(_storage, TimeProvider.System);
        await mailboxes.EnsureTableAsync();
        var tracking = new Tracking(_storage, TimeProvider.System);
        await tracking.EnsureTableAsync();
        var alerts = new Alerts(_storage, TimeProvider.System);
        await alerts.EnsureTableAsync();
        return (outbox, mailboxes, tracking, alerts);
    }

    private static async Task<List<PendingWmo405>> EnqueueAsync(CakOutbox outbox, int count)
    {
        var decided = TimeProvider.System.GetUtcNow();
        for (var i = 0; i < count; i++)
        {
            var id = Guid.NewGuid();
            await outbox.EnqueueAsync(id, $"test/{id:N}.xml", "0363", $"I{i}", decided.AddSeconds(i));
        }

        var pending = await outbox.PeekAsync(count + 1);
        Assert.Equal(count, pending.Count);
        return [.. pending];
    }

    /// <summary>The CAK mailbox's unread items that are among <paramref name="ids"/>, in the order the CAK reads them.</summary>
    private static async Task<List<Guid>> UnreadOfAsync(Mailboxes mailboxes, IReadOnlyCollection<Guid> ids)
    {
        var mine = ids.ToHashSet();
        var seen = new List<Guid>();
        string? token = null;
        do
        {
            var page = await mailboxes.ListAsync(Routing.Cak, 200, token, unreadOnly: true);
            seen.AddRange(page.Items.Select(i => i.Id).Where(mine.Contains));
            token = page.ContinuationToken;
        }
        while (token is not null);
        return seen;
    }

    [Fact]
    public async Task After_a_crash_between_delivery_and_removal_the_next_round_delivers_every_WMO405_once_and_in_outbox_order()
    {
        var (outbox, mailboxes, tracking, alerts) = await CreateAsync();
        var pending = await EnqueueAsync(outbox, 120);
        var ids = pending.Select(p => p.Id).ToList();

        // The crashed round delivered the first seven (one transaction) and died before it removed them from the outbox.
        var transport = new MailboxCakTransport(mailboxes);
        await transport.SendAllAsync(pending[..7], CancellationToken.None);

        var round = await new CakRelay(outbox, transport, _storage, tracking, alerts, TimeProvider.System).RunAsync();

        Assert.Equal(new RelayRound(120, 0, null), round);
        Assert.Equal(ids, await UnreadOfAsync(mailboxes, ids)); // each exactly once, and the CAK reads them in outbox order
        Assert.Equal(0, await outbox.CountAsync());
        foreach (var id in ids)
        {
            Assert.Equal("CAK (mailbox)", await tracking.DetailAsync(id, MessageStatus.Delivered));
        }

        var item = await mailboxes.GetAsync(Routing.Cak, ids[100]);
        Assert.Equal(("WMO405", "0363", pending[100].Blob), (item!.Bericht, item.Van, item.Blob));
    }

    [Fact]
    public async Task Two_relays_that_run_the_same_outbox_at_once_deliver_each_WMO405_once()
    {
        // The timer is a singleton, but a lease can lapse: a second instance then sends the same rows.
        var (outbox, mailboxes, tracking, alerts) = await CreateAsync();
        var pending = await EnqueueAsync(outbox, 80);
        var ids = pending.Select(p => p.Id).ToList();
        var transport = new MailboxCakTransport(mailboxes);

        var rounds = await Task.WhenAll(
            new CakRelay(outbox, transport, _storage, tracking, alerts, TimeProvider.System).RunAsync(),
            new CakRelay(outbox, transport, _storage, tracking, alerts, TimeProvider.System).RunAsync());

        Assert.All(rounds, r => Assert.Null(r.Error));
        var delivered = await UnreadOfAsync(mailboxes, ids);
        Assert.Equal(ids.Count, delivered.Count);
        Assert.Equal(ids.ToHashSet(), delivered.ToHashSet());
        Assert.Equal(0, await outbox.CountAsync());
    }

    [Fact]
    public async Task Completing_removes_every_row_also_when_some_were_removed_before()
    {
        var (outbox, _, _, _) = await CreateAsync();
        var pending = await EnqueueAsync(outbox, 130);
        foreach (var gone in new[] { pending[3], pending[64], pending[120] })
        {
            await outbox.CompleteAsync(gone);
        }

        await outbox.CompleteAsync(pending); // 130 rows: a transaction of 100 and one of 30, each with a row already gone

        Assert.Equal(0, await outbox.CountAsync());
        await outbox.CompleteAsync(pending); // all gone: no error
    }
}
