using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using Wmo.AzureStorage;

namespace Wmo.Hub.Notifications;

/// <summary>What a notification says: an alert that was raised, escalated or resolved, or an owner's daily digest.</summary>
public sealed record Notification(
    string Id, string Recipient, string Kind, DateTimeOffset CreatedAt, string Title, string Text, string? AlertId = null, string? Rule = null,
    string? Severity = null, string? Gemeente = null, string? Aanbieder = null, int? MonthsAtRisk = null, long? AmountAtRiskCents = null)
{
    public const string Raised = "raised";
    public const string Escalated = "escalated";
    public const string Resolved = "resolved";
    public const string Digest = "digest";
}

/// <summary>
/// Table <c>meldingen</c>: the notification outbox, partitioned by recipient. Rows are written with a deterministic id
/// (alert, transition, occurrence; or digest and day) by insert-if-absent, before the alert change they announce, so
/// a retry writes nothing twice and a crash loses nothing. <see cref="Notifier"/> delivers them.
/// </summary>
/// <param name="tableName">Another table than <c>meldingen</c>: isolates a test's notifications.</param>
public sealed class NotificationOutbox(StorageClients storage, OwnerDirectory owners, TimeProvider time, string tableName = NotificationOutbox.TableName)
{
    public const string TableName = "meldingen";
    internal const string StateRow = "~state";
    internal const string Pending = "pending";
    internal const string Delivered = "delivered";
    internal TableClient Table { get; } = storage.GetTable(tableName);

    public OwnerDirectory Owners => owners;

    public Task EnsureTableAsync(CancellationToken ct = default) => Table.CreateIfNotExistsAsync(cancellationToken: ct);

    /// <summary>
    /// Deletes notifications delivered before <paramref name="before"/>. A delivered row is kept for a while because
    /// its id is what stops a retried announcement from being sent twice; after that it only makes every delivery
    /// round's search for pending rows longer. Returns how many were deleted.
    /// </summary>
    public async Task<int> PurgeDeliveredAsync(DateTimeOffset before, CancellationToken ct = default)
    {
        var old = new List<TableEntity>();
        await foreach (var e in Table.QueryAsync(TableFilter.And(TableFilter.Equal("Status", Delivered), "DeliveredAt lt " + TableFilter.DateTimeLiteral(before)), ct: ct))
        {
            old.Add(e);
        }

        foreach (var chunk in old.GroupBy(e => e.PartitionKey).SelectMany(p => p.Chunk(100)))
        {
            await Table.SubmitBatchAsync([.. chunk.Select(e => new TableTransactionAction(TableTransactionActionType.Delete, e, ETag.All))], ct);
        }

        return old.Count;
    }

    /// <summary>
    /// Announces an alert's transition to its owner, and a critical one also to the CAK liaison, who follows every
    /// stapelfactuur risk. Owners without a webhook get nothing queued (they read the API and the dashboard).
    /// </summary>
    public async Task AnnounceAsync(Alert alert, string kind, int occurrence, CancellationToken ct = default)
    {
        var recipients = new List<string> { alert.Owner };
        if (alert.Severity == AlertSeverity.Critical && kind != Notification.Resolved && alert.Owner != Alerts.CakLiaison)
        {
            recipients.Add(Alerts.CakLiaison);
        }

        foreach (var recipient in recipients.Where(r => owners.Find(r)?.Webhook is not null))
        {
            var title = kind switch
            {
                Notification.Resolved => $"Opgelost: {RuleTitle(alert.Rule)}",
                Notification.Escalated => $"Kritiek geworden: {RuleTitle(alert.Rule)}",
                _ => $"{(alert.Severity == AlertSeverity.Critical ? "Kritiek" : "Waarschuwing")}: {RuleTitle(alert.Rule)}",
            };
            var text = kind == Notification.Resolved ? $"{alert.Explanation} Opgelost: {alert.Resolution}" : alert.Explanation;
            await AddAsync(new Notification($"{alert.Id}|{kind}|{alert.Severity}|{occurrence}", recipient, kind, time.GetUtcNow(), title, text, alert.Id, alert.Rule,
                alert.Severity, alert.Gemeente, alert.Aanbieder, alert.MonthsAtRisk, alert.AmountAtRiskCents), ct);
        }
    }

    public async Task<bool> AddAsync(Notification n, CancellationToken ct = default) =>
        (await Table.InsertIfAbsentAsync(new TableEntity(n.Recipient, n.Id)
        {
            ["Kind"] = n.Kind, ["CreatedAt"] = n.CreatedAt, ["Title"] = n.Title, ["Text"] = n.Text, ["AlertId"] = n.AlertId, ["Rule"] = n.Rule,
            ["Severity"] = n.Severity, ["Gemeente"] = n.Gemeente, ["Aanbieder"] = n.Aanbieder, ["MonthsAtRisk"] = n.MonthsAtRisk,
            ["AmountAtRiskCents"] = n.AmountAtRiskCents, ["Status"] = Pending,
        }, ct)).Inserted;

    /// <summary>
    /// The daily digest of every owner with a webhook (timer <c>NotificationDigest</c>): the open alerts it owns (the
    /// CAK liaison: every critical one), counted per rule, with the largest risks named. One per owner and day.
    /// </summary>
    public async Task<int> EnqueueDigestsAsync(Alerts alerts, DateOnly day, CancellationToken ct = default)
    {
        var queued = 0;
        foreach (var owner in owners.WithWebhook.Where(o => o.Digest))
        {
            var open = new List<Alert>();
            string? next = null;
            do
            {
                var filter = owner.Party == Alerts.CakLiaison ? new AlertFilter(Severity: AlertSeverity.Critical) : new AlertFilter(Owner: owner.Party);
                var (items, more) = await alerts.ListAsync(filter, 1000, next, ct);
                open.AddRange(items.Where(a => a.Status != AlertStatus.Resolved));
                next = more;
            }
            while (next is not null);

            var date = day.ToString("d-M-yyyy", CultureInfo.InvariantCulture);
            var text = open.Count == 0
                ? "Er staan geen open signalen voor u."
                : $"{open.Count} open signalen ({open.Count(a => a.Severity == AlertSeverity.Critical)} kritiek): "
                  + string.Join(", ", open.GroupBy(a => a.Rule).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{RuleTitle(g.Key)} {g.Count()}")) + ". "
                  + (open.Where(a => a.AmountAtRiskCents > 0).OrderByDescending(a => a.AmountAtRiskCents).Take(3).ToList() is { Count: > 0 } top
                      ? "Grootste risico's: " + string.Join("; ", top.Select(a => $"{a.MaskedBsn} bij gemeente {a.Gemeente}: € {Detection.Scanner.Euro(a.AmountAtRiskCents!.Value)}")) + "."
                      : string.Empty);
            if (await AddAsync(new Notification($"digest|{day:yyyy-MM-dd}", owner.Party, Notification.Digest, time.GetUtcNow(), $"Dagoverzicht {date}", text), ct))
            {
                queued++;
            }
        }

        return queued;
    }

    internal static Notification Read(TableEntity e) => new(
        e.RowKey, e.PartitionKey, e.GetString("Kind")!, e.GetDateTimeOffset("CreatedAt") ?? default, e.GetString("Title") ?? string.Empty, e.GetString("Text") ?? string.Empty,
        e.GetString("AlertId"), e.GetString("Rule"), e.GetString("Severity"), e.GetString("Gemeente"), e.GetString("Aanbieder"), e.GetInt32("MonthsAtRisk"),
        e.GetWholeNumber("AmountAtRiskCents"));

    /// <summary>The name officers read for a rule.</summary>
    public static string RuleTitle(string rule) => rule switch
    {
        "R1" => "stapelfactuur dreigt",
        "R2" => "melding aan het CAK te laat (art. 2f)",
        "R3-305" => "startbericht ontbreekt",
        "R3-305-laat" => "startbericht te laat",
        "R3-307" => "stopbericht ontbreekt",
        "R3-307-laat" => "stopbericht te laat",
        "R3-315" => "verzoek niet beantwoord",
        "R3-retour" => "retourbericht ontbreekt",
        "R3-325" => "declaratie-antwoord ontbreekt",
        "R4" => "CAK wijst melding af",
        "R5" => "bijdrage niet meer te innen",
        "R6" => "stop niet bij het CAK: te veel bijdrage",
        "R7" => "toewijzing met terugwerkende kracht",
        "R8" => "stapelfactuur komt: informeer de cliënt",
        AlertRules.Poisoned => "bericht vastgelopen",
        AlertRules.CakUnreachable => "CAK niet bereikbaar",
        _ => rule,
    };
}

/// <summary>What one delivery round did.</summary>
public sealed record DeliveryRound(int Sent, int Posts, int Waiting, IReadOnlyList<string> Failing);

/// <summary>
/// Delivers the notification outbox (timer <c>Notifications</c>): per recipient, oldest first, to its webhook. A
/// recipient whose webhook fails is retried with exponential backoff (30 s doubling to 15 min) and nothing is dropped,
/// so a webhook down for an hour gets everything once it is back. Throttled per recipient: within
/// <see cref="Owner.MaxPerHour"/> posts each notification is its own post; when more wait than the hour allows, they
/// go together in one bundle. Each post carries <c>X-Wmo-Notification-Id</c> so a receiver can drop a repeat after a
/// lost response.
/// </summary>
public sealed class Notifier(NotificationOutbox outbox, HttpClient http, TimeProvider time)
{
    private const int BundleSize = 50;
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(15);

    public async Task<DeliveryRound> DeliverAsync(CancellationToken ct = default)
    {
        var pending = new Dictionary<string, List<TableEntity>>(StringComparer.Ordinal);
        await foreach (var e in outbox.Table.QueryAsync(TableFilter.Equal("Status", NotificationOutbox.Pending), ct: ct))
        {
            (pending.TryGetValue(e.PartitionKey, out var list) ? list : pending[e.PartitionKey] = []).Add(e);
        }

        int sent = 0, posts = 0, waiting = 0;
        var failing = new List<string>();
        foreach (var (recipient, rows) in pending)
        {
            var owner = outbox.Owners.Find(recipient);
            if (owner?.Webhook is null)
            {
                waiting += rows.Count; // the webhook was removed from the configuration: keep them for when it returns
                continue;
            }

            var (s, p, ok) = await DeliverToAsync(owner, [.. rows.OrderBy(r => r.GetDateTimeOffset("CreatedAt")).ThenBy(r => r.RowKey, StringComparer.Ordinal)], ct);
            sent += s;
            posts += p;
            waiting += rows.Count - s;
            if (!ok)
            {
                failing.Add(recipient);
            }
        }

        return new DeliveryRound(sent, posts, waiting, failing);
    }

    private async Task<(int Sent, int Posts, bool Ok)> DeliverToAsync(Owner owner, List<TableEntity> rows, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var state = await outbox.Table.GetAsync(owner.Party, NotificationOutbox.StateRow, ct) ?? new TableEntity(owner.Party, NotificationOutbox.StateRow);
        if (state.GetDateTimeOffset("NextAttemptAt") is { } next && next > now)
        {
            return (0, 0, false);
        }

        var windowStart = state.GetDateTimeOffset("WindowStart") is { } w && now - w < TimeSpan.FromHours(1) ? w : now;
        var used = windowStart == now ? 0 : state.GetInt32("PostsInWindow") ?? 0;
        var budget = owner.MaxPerHour - used;
        int sent = 0, posts = 0;
        var ok = true;
        if (budget > 0)
        {
            // Each on its own while the hour allows it; otherwise one bundle now and the rest in the next hour.
            var batches = rows.Count <= budget ? rows.Select(r => new List<TableEntity> { r }) : [rows.Take(BundleSize).ToList()];
            foreach (var batch in batches)
            {
                if (!await PostAsync(owner, [.. batch.Select(NotificationOutbox.Read)], ct))
                {
                    ok = false;
                    break;
                }

                posts++;
                sent += batch.Count;
                await MarkDeliveredAsync(batch, ct);
            }
        }

        var failures = ok ? 0 : (state.GetInt32("Failures") ?? 0) + 1;
        state["WindowStart"] = windowStart;
        state["PostsInWindow"] = used + posts;
        state["Failures"] = failures;
        state["NextAttemptAt"] = ok ? null : now + Backoff(failures);
        await outbox.Table.UpsertAsync(state, TableUpdateMode.Replace, ct);
        return (sent, posts, ok);
    }

    private static TimeSpan Backoff(int failures) =>
        TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, FirstBackoff.Ticks * (1L << Math.Min(failures - 1, 20))));

    private async Task MarkDeliveredAsync(List<TableEntity> batch, CancellationToken ct)
    {
        var at = time.GetUtcNow();
        foreach (var chunk in batch.Chunk(100))
        {
            await outbox.Table.SubmitBatchAsync([.. chunk.Select(e =>
            {
                e["Status"] = NotificationOutbox.Delivered;
                e["DeliveredAt"] = at;
                return new TableTransactionAction(TableTransactionActionType.UpsertMerge, e);
            })], ct);
        }
    }

    private async Task<bool> PostAsync(Owner owner, IReadOnlyList<Notification> items, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, owner.Webhook) { Content = JsonContent.Create(Body(owner.Format, items)) };
        request.Headers.Add("X-Wmo-Notification-Id", items.Count == 1 ? items[0].Id : "bundel|" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join(",", items.Select(i => i.Id)))).AsSpan(0, 8)));
        try
        {
            using var response = await http.SendAsync(request, ct);
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (HubHttpClients.IsUnreachable(ex) && !ct.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// The JSON body: a Teams MessageCard (incoming webhook connector), a Slack incoming-webhook message (mrkdwn
    /// text), or our own JSON, which also has a <c>text</c> so generic chat webhooks show something readable.
    /// </summary>
    public static JsonObject Body(string format, IReadOnlyList<Notification> items)
    {
        var title = items.Count == 1 ? items[0].Title : $"{items.Count} meldingen van de Wmo-berichtenhub";
        var lines = items.Select(i => items.Count == 1 ? i.Text : $"{i.Title}: {i.Text}").ToList();
        var color = items.Any(i => i.Severity == AlertSeverity.Critical && i.Kind != Notification.Resolved) ? "C50F1F"
            : items.All(i => i.Kind == Notification.Resolved) ? "107C10" : "F7630C";
        return format switch
        {
            WebhookFormat.Teams => new JsonObject
            {
                ["@type"] = "MessageCard", ["@context"] = "https://schema.org/extensions", ["summary"] = title, ["themeColor"] = color, ["title"] = title,
                ["text"] = string.Join("\n\n", lines),
                ["sections"] = new JsonArray([.. items.Where(i => i.AlertId is not null).Select(i => (JsonNode)new JsonObject
                {
                    ["activityTitle"] = i.Title,
                    ["facts"] = new JsonArray([.. Facts(i).Select(f => (JsonNode)new JsonObject { ["name"] = f.Name, ["value"] = f.Value })]),
                })]),
            },
            WebhookFormat.Slack => new JsonObject { ["text"] = $"*{title}*\n" + string.Join("\n", lines.Select(l => "• " + l)) },
            _ => new JsonObject
            {
                ["text"] = title + "\n" + string.Join("\n", lines),
                ["notifications"] = JsonSerializer.SerializeToNode(items, new JsonSerializerOptions(JsonSerializerDefaults.Web)),
            },
        };
    }

    private static IEnumerable<(string Name, string Value)> Facts(Notification n)
    {
        yield return ("Regel", n.Rule ?? string.Empty);
        yield return ("Ernst", n.Severity == AlertSeverity.Critical ? "kritiek" : "waarschuwing");
        if (n.Gemeente is { } g)
        {
            yield return ("Gemeente", g);
        }

        if (n.Aanbieder is { } a)
        {
            yield return ("Aanbieder", a);
        }

        if (n.MonthsAtRisk is { } m)
        {
            yield return ("Maanden", m.ToString(CultureInfo.InvariantCulture));
        }

        if (n.AmountAtRiskCents is { } c)
        {
            yield return ("Bedrag", "€ " + Detection.Scanner.Euro(c));
        }
    }
}
