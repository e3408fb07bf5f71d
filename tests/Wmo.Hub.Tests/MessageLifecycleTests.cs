using Wmo.Testing;

namespace Wmo.Hub.Tests;

/// <summary>
/// A message's status only moves forward: steps that arrive late (a duplicate attempt's "queued", a retry's "failed"
/// after another attempt routed it) stay in the history but never become the status; a hub rejection stays the status
/// when its retour is delivered.
/// </summary>
public sealed class MessageLifecycleTests : IClassFixture<AzuriteFixture>
{
    private readonly TestClock _clock = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
    private readonly Tracking _tracking;

    public MessageLifecycleTests(AzuriteFixture azurite)
    {
        _tracking = new Tracking(azurite.CreateClient(), _clock);
        _tracking.EnsureTableAsync().GetAwaiter().GetResult();
    }

    /// <summary>Registers a message and records the steps one minute apart, in the order given.</summary>
    private async Task<MessageHistory> AfterAsync(params string[] steps)
    {
        var id = Guid.NewGuid();
        await _tracking.TryRegisterAsync(new MessageRecord(id, "WMO305", "65656055", "0363", "x", new DateOnly(2026, 3, 2), "blob", _clock.GetUtcNow(), null, null, Queued: false));
        foreach (var step in steps)
        {
            _clock.Now = _clock.Now.AddMinutes(1);
            await _tracking.RecordLatestAsync(id, step, null);
        }

        return (await _tracking.HistoryAsync(id))!;
    }

    [Theory]
    [InlineData("delivered", "queued", "routed", "delivered", "queued")]
    [InlineData("delivered", "queued", "routed", "delivered", "failed")]
    [InlineData("acknowledged", "queued", "routed", "delivered", "downloaded", "acknowledged", "queued", "failed")]
    [InlineData("rejected", "queued", "rejected", "delivered")]
    [InlineData("rejected", "queued", "routed", "rejected", "delivered", "downloaded")]
    [InlineData("failed", "queued", "failed")]
    [InlineData("poisoned", "queued", "failed", "poisoned")]
    [InlineData("failed", "queued", "failed", "poisoned", "replayed", "failed")]
    [InlineData("routed", "queued", "failed", "poisoned", "replayed", "routed", "failed")]
    public async Task The_status_is_the_furthest_step_reached_and_before_routing_the_latest(string expected, params string[] steps)
    {
        var history = await AfterAsync(steps);

        Assert.Equal(expected, history.Current);
        Assert.Contains(history.Statuses, s => s.Status == steps[^1]); // the late step is kept in the history
    }
}
