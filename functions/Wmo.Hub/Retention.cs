using System.Globalization;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Wmo.AzureStorage;

namespace Wmo.Hub;

/// <summary>
/// Retention: a message's XML and its mailbox item are purged a configurable period (default 400 days) after the
/// addressee acknowledged it. Acknowledging writes a due row (table <c>bewaartermijn</c>, PartitionKey = the purge
/// date as yyyyMMdd); the daily purge reads only partitions up to today, so its cost follows what is due, not the
/// archive's size. Unread, failed and poisoned messages are never acknowledged, so they are kept until resolved.
/// Delivered notifications are deleted after their own, shorter period (default 30 days).
/// </summary>
public sealed class Retention
{
    public const string TableName = "bewaartermijn";
    private readonly TableClient _due;
    private readonly Mailboxes _mailboxes;
    private readonly BlobContainerClient _archive;
    private readonly Tracking _tracking;
    private readonly TimeProvider _time;

    private readonly Notifications.NotificationOutbox? _notifications;

    /// <param name="notificationPeriod">How long a delivered notification is kept (its id stops a retried announcement being sent twice).</param>
    public Retention(StorageClients storage, Mailboxes mailboxes, Tracking tracking, TimeProvider time, TimeSpan period,
        Notifications.NotificationOutbox? notifications = null, TimeSpan? notificationPeriod = null)
    {
        _notifications = notifications;
        NotificationPeriod = notificationPeriod ?? TimeSpan.FromDays(30);
        _due = storage.GetTable(TableName);
        _archive = storage.GetBlobContainer(IntakeOptions.ArchiveContainer);
        _mailboxes = mailboxes;
        _tracking = tracking;
        _time = time;
        Period = period;
    }

    public TimeSpan Period { get; }

    public TimeSpan NotificationPeriod { get; }

    /// <summary>Deletes the notifications delivered more than <see cref="NotificationPeriod"/> before <paramref name="asOf"/>.</summary>
    public Task<int> PurgeNotificationsAsync(DateTimeOffset asOf, CancellationToken ct = default) =>
        _notifications is null ? Task.FromResult(0) : _notifications.PurgeDeliveredAsync(asOf - NotificationPeriod, ct);

    public Task EnsureTableAsync(CancellationToken ct = default) => _due.CreateIfNotExistsAsync(cancellationToken: ct);

    /// <summary>Schedules the purge of an acknowledged mailbox item (idempotent: the same row every time).</summary>
    public Task ScheduleAsync(string party, Guid id, CancellationToken ct = default)
    {
        var due = _time.GetUtcNow() + Period;
        return _due.UpsertAsync(new TableEntity(due.ToString("yyyyMMdd", CultureInfo.InvariantCulture), TableKey.Escape(party) + "|" + id.ToString("N"))
        {
            ["Party"] = party,
            ["Id"] = id,
        }, TableUpdateMode.Replace, ct);
    }

    /// <summary>Purges everything due up to <paramref name="asOf"/>; returns how many items were purged.</summary>
    public async Task<int> PurgeAsync(DateTimeOffset asOf, CancellationToken ct = default)
    {
        var purged = 0;
        var filter = TableFilter.LessThan("PartitionKey", asOf.AddDays(1).ToString("yyyyMMdd", CultureInfo.InvariantCulture));
        await foreach (var row in _due.QueryAsync(filter, ct: ct))
        {
            var party = row.GetString("Party")!;
            var id = row.GetGuid("Id")!.Value;
            if (await _mailboxes.GetAsync(party, id, ct) is { Read: true } item)
            {
                await _archive.DeleteAsync(item.Blob, ct: ct);
                await _mailboxes.PurgeReadAsync(party, id, ct);
                await _tracking.RecordAsync(id, "purged", $"Na de bewaartermijn van {Period.TotalDays:0} dagen verwijderd.", ct: ct);
                purged++;
            }

            await _due.DeleteAsync(row.PartitionKey, row.RowKey, ct: ct);
        }

        return purged;
    }
}
