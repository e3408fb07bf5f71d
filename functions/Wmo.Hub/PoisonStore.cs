using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Wmo.AzureStorage;

namespace Wmo.Hub;

/// <summary>A message that failed every attempt, as operators see it.</summary>
public sealed record PoisonedMessage(
    Guid Id, string Queue, string Body, string? Bericht, string? Afzender, string Reason, DateTimeOffset PoisonedOn, int Poisonings,
    DateTimeOffset? ReplayedOn);

public enum ReplayOutcome
{
    Replayed,
    NotFound,
    AlreadyReplayed,
}

/// <summary>
/// Table <c>poison</c>: every message that ended in a poison queue, with the last failure reason, so it is visible and
/// can be replayed instead of disappearing. A replay re-sends the original queue message (same message id, so the
/// router's idempotency makes a replay of a half-done message finish it), at most once per poisoning.
/// </summary>
public sealed class PoisonStore
{
    public const string TableName = "poison";

    /// <summary>How long a replay that did not confirm it re-queued the message blocks another attempt.</summary>
    private static readonly TimeSpan ReplayClaim = TimeSpan.FromMinutes(5);

    private readonly TableClient _table;
    private readonly StorageClients _storage;
    private readonly Tracking _tracking;
    private readonly TimeProvider _time;

    private readonly Alerts _alerts;

    public PoisonStore(StorageClients storage, Tracking tracking, Alerts alerts, TimeProvider time)
    {
        _alerts = alerts;
        _table = storage.GetTable(TableName);
        _storage = storage;
        _tracking = tracking;
        _time = time;
    }

    public Task EnsureTableAsync(CancellationToken ct = default) => _table.CreateIfNotExistsAsync(cancellationToken: ct);

    /// <summary>
    /// Records a message taken from <paramref name="poisonQueue"/>. A second copy of the same poisoning (the runtime
    /// copies before it deletes) changes nothing; a message poisoned again after a replay counts as a new poisoning.
    /// </summary>
    public async Task RecordAsync(string sourceQueue, string body, CancellationToken ct = default)
    {
        var inbox = TryParse(body);
        if (inbox?.Xml is not null)
        {
            // Kept as the reference only: the archive holds the XML (a replay reads it there), and a table property
            // holds 32K characters.
            inbox = inbox with { Xml = null };
            body = JsonSerializer.Serialize(inbox);
        }

        var id = inbox?.Id ?? new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(body)).AsSpan(0, 16));
        var reason = inbox is null ? "Het bericht in de wachtrij is geen geldige verwijzing naar een bericht." : await ReasonAsync(id, ct);
        var now = _time.GetUtcNow();
        if (inbox is not null)
        {
            await _tracking.RecordLatestAsync(id, MessageStatus.Poisoned, reason, ct);
        }

        // A poisoned message is an alert, not a silent disappearance; a successful replay resolves it.
        await _alerts.RaiseAsync(new Alert(Alerts.IdOf(AlertRules.Poisoned, id.ToString("N"), "poison"), AlertRules.Poisoned, AlertSeverity.Critical,
            AlertStatus.Open, "admin", id.ToString("N"), "poison", null, inbox?.Afzender is { Length: 8 } agb ? agb : null, null, null, null, now, now, null, null,
            $"Bericht {inbox?.Bericht ?? "(onleesbaar)"} van {inbox?.Afzender ?? "onbekend"} kon na herhaalde pogingen niet worden verwerkt: {reason} "
            + "Een beheerder kan het na herstel opnieuw aanbieden."), ct);

        // Listed last: once operators see it in the poison list, its status and alert are there too.
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var existing = await _table.GetAsync(sourceQueue, id.ToString("N"), ct);
            var entity = new TableEntity(sourceQueue, id.ToString("N"))
            {
                ["Body"] = body, ["Bericht"] = inbox?.Bericht, ["Afzender"] = inbox?.Afzender, ["Reason"] = reason, ["PoisonedOn"] = now, ["Poisonings"] = 1,
            };
            if (existing is null)
            {
                if ((await _table.InsertIfAbsentAsync(entity, ct)).Inserted)
                {
                    break;
                }

                continue;
            }

            if (existing.GetDateTimeOffset("ReplayedOn") is null)
            {
                break; // the same poisoning, seen again
            }

            entity["Poisonings"] = (existing.GetInt32("Poisonings") ?? 1) + 1;
            try
            {
                await _table.UpdateAsync(entity, existing.ETag!, TableUpdateMode.Replace, ct);
                break;
            }
            catch (RequestFailedException ex) when (ex.IsPreconditionFailed)
            {
            }
        }

    }

    /// <summary>A replayed message was routed: its poison alert is resolved.</summary>
    public Task ResolveAsync(Guid id, CancellationToken ct = default) =>
        _alerts.ResolveAsync(null, Alerts.IdOf(AlertRules.Poisoned, id.ToString("N"), "poison"), "Opnieuw aangeboden en verwerkt.", ct);

    public async Task<IReadOnlyList<PoisonedMessage>> ListAsync(CancellationToken ct = default)
    {
        var list = new List<PoisonedMessage>();
        await foreach (var e in _table.QueryAsync(null, ct: ct))
        {
            list.Add(Read(e));
        }

        return [.. list.OrderByDescending(p => p.PoisonedOn)];
    }

    public async Task<(ReplayOutcome Outcome, PoisonedMessage? Message)> ReplayAsync(Guid id, CancellationToken ct = default)
    {
        TableEntity? entity = null;
        await foreach (var e in _table.QueryAsync(TableFilter.Equal("RowKey", id.ToString("N")), ct: ct))
        {
            entity = e;
        }

        if (entity is null)
        {
            return (ReplayOutcome.NotFound, null);
        }

        var now = _time.GetUtcNow();
        if (entity.GetDateTimeOffset("ReplayedOn") is not null
            || (entity.GetDateTimeOffset("ReplayClaimedOn") is { } claimed && now - claimed < ReplayClaim))
        {
            return (ReplayOutcome.AlreadyReplayed, Read(entity));
        }

        // Claim first (ETag), so two operators pressing replay at once send it once; then send; then confirm.
        entity["ReplayClaimedOn"] = now;
        try
        {
            entity.ETag = await _table.UpdateAsync(entity, entity.ETag!, TableUpdateMode.Replace, ct);
        }
        catch (RequestFailedException ex) when (ex.IsPreconditionFailed)
        {
            return (ReplayOutcome.AlreadyReplayed, Read(entity));
        }

        var body = entity.GetString("Body")!;
        var replay = TryParse(body) is { } original ? JsonSerializer.Serialize(original with { Replayed = true }) : body;
        await _storage.GetQueue(entity.PartitionKey).SendAsync(replay, ct: ct);
        entity["ReplayedOn"] = now;
        await _table.UpdateAsync(entity, entity.ETag!, TableUpdateMode.Replace, ct);
        if (TryParse(entity.GetString("Body")!) is not null)
        {
            await _tracking.RecordLatestAsync(id, MessageStatus.Replayed, $"Opnieuw aangeboden vanuit {entity.PartitionKey}-poison.", ct);
        }

        return (ReplayOutcome.Replayed, Read(entity));
    }

    private async Task<string> ReasonAsync(Guid id, CancellationToken ct) =>
        await _tracking.DetailAsync(id, MessageStatus.Failed, ct)
            ?? "Onbekend: de verwerking stopte zonder foutmelding (bijvoorbeeld een herstart midden in de verwerking).";

    private static InboxMessage? TryParse(string body)
    {
        try
        {
            return JsonSerializer.Deserialize<InboxMessage>(body) is { Id: var id } m && id != Guid.Empty ? m : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static PoisonedMessage Read(TableEntity e) => new(
        Guid.ParseExact(e.RowKey, "N"), e.PartitionKey, e.GetString("Body") ?? string.Empty, e.GetString("Bericht"), e.GetString("Afzender"),
        e.GetString("Reason") ?? string.Empty, e.GetDateTimeOffset("PoisonedOn") ?? default, e.GetInt32("Poisonings") ?? 1, e.GetDateTimeOffset("ReplayedOn"));
}
