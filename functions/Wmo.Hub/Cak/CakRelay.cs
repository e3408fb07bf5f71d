using Microsoft.Extensions.Logging;
using System.IO.Abstractions;
using System.Net.Http.Headers;
using Wmo.AzureStorage;

namespace Wmo.Hub.Cak;

/// <summary>How WMO405 messages reach the CAK. Throws when the CAK did not take the message.</summary>
public interface ICakTransport
{
    string Name { get; }

    /// <summary>Whether the transport sends the XML itself (false: it hands over the archived blob's reference).</summary>
    bool NeedsContent => true;

    /// <param name="xml">The WMO405; empty when <see cref="NeedsContent"/> is false.</param>
    Task SendAsync(PendingWmo405 item, string identificatie, byte[] xml, CancellationToken ct);
}

/// <summary>
/// HTTPS POST of each WMO405 to the CAK's endpoint through the <c>cak</c> client of <see cref="HubHttpClients"/>
/// (retries with jitter honouring Retry-After, circuit breaker, timeouts). Anything but a 2xx throws, so the message
/// stays in the outbox; the relay sends it again, in order, on its next round.
/// </summary>
public sealed class HttpCakTransport(HttpClient http, Uri endpoint, string? apiKey) : ICakTransport
{
    public string Name => "http";

    public async Task SendAsync(PendingWmo405 item, string identificatie, byte[] xml, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(xml) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/xml");
        request.Headers.Add("X-Message-Id", item.Id.ToString("N"));
        if (apiKey is not null)
        {
            request.Headers.Add("X-Api-Key", apiKey);
        }

        using var response = await http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"The CAK answered {(int)response.StatusCode} {response.ReasonPhrase}.", null, response.StatusCode);
        }
    }
}

/// <summary>
/// The batch exchange many parties still use: each WMO405 is written to a folder the CAK collects from, as
/// <c>{Identificatie}.xml</c>, first under a temporary name and then renamed, so the CAK never reads half a file.
/// </summary>
public sealed class FileDropCakTransport(IFileSystem files, string folder) : ICakTransport
{
    public string Name => "filedrop";

    public async Task SendAsync(PendingWmo405 item, string identificatie, byte[] xml, CancellationToken ct)
    {
        files.Directory.CreateDirectory(folder);
        var target = files.Path.Combine(folder, $"WMO405_{identificatie}.xml");
        var temporary = target + ".tmp";
        await files.File.WriteAllBytesAsync(temporary, xml, ct);
        files.File.Move(temporary, target, overwrite: true);
    }
}

/// <summary>A transport that takes several WMO405 at once, all or none and in order (one request for many).</summary>
public interface IBatchCakTransport : ICakTransport
{
    /// <summary>How many messages one call takes at most.</summary>
    int MaxBatch { get; }

    Task SendAllAsync(IReadOnlyList<PendingWmo405> items, CancellationToken ct);
}

/// <summary>The CAK collects from its mailbox in the hub (<c>GET /api/mailbox</c> with the CAK's key).</summary>
public sealed class MailboxCakTransport(Mailboxes mailboxes) : IBatchCakTransport
{
    public string Name => "mailbox";

    // The mailbox item points at the archived blob; the CAK downloads it from there.
    public bool NeedsContent => false;

    public int MaxBatch => 50;

    public Task SendAsync(PendingWmo405 item, string identificatie, byte[] xml, CancellationToken ct) =>
        mailboxes.DeliverAsync(Routing.Cak, item.Id, Wmo.Messages.MessageCatalog.Wmo405.Name, item.Gemeente, item.Blob, null, ct);

    public Task SendAllAsync(IReadOnlyList<PendingWmo405> items, CancellationToken ct) =>
        mailboxes.DeliverInOrderAsync(Routing.Cak, [.. items.Select(i => (i.Id, Wmo.Messages.MessageCatalog.Wmo405.Name, i.Gemeente, i.Blob))], ct);
}

/// <summary>What one relay round did.</summary>
public sealed record RelayRound(int Sent, int Pending, string? Error);

/// <summary>
/// Sends the CAK outbox in order through the configured transport (timer <c>CakRelay</c>). It stops at the first
/// message the transport cannot deliver, so order is kept and the rest waits for the next round: the CAK being down
/// for hours only delays delivery. A message leaves the outbox after it was delivered; tracking shows each step.
/// </summary>
public sealed class CakRelay(CakOutbox outbox, ICakTransport transport, StorageClients storage, Tracking tracking, Alerts alerts, TimeProvider time,
    ILogger<CakRelay>? logger = null)
{
    private readonly ILogger _logger = logger ?? (ILogger)Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    // After a start there may be an open unreachable-alert from before; resolve it on the first good round.
    private bool _mayHaveOpenAlert = true;

    public async Task<RelayRound> RunAsync(int max = 500, CancellationToken ct = default)
    {
        var archive = storage.GetBlobContainer(IntakeOptions.ArchiveContainer);
        var pending = await outbox.PeekAsync(max, ct);
        var sent = 0;

        // One message at a time, or as many as the transport takes at once (all or none, in order).
        foreach (var chunk in pending.Chunk(transport is IBatchCakTransport batch ? batch.MaxBatch : 1))
        {
            var first = chunk[0];
            try
            {
                if (chunk.Length > 1)
                {
                    await ((IBatchCakTransport)transport).SendAllAsync(chunk, ct);
                }
                else
                {
                    // Logged under the message the WMO405 came from, so one BerichtId leads from intake to the CAK.
                    using var correlation = _logger.BeginBerichtScope(first.Cause ?? first.Id);
                    var xml = !transport.NeedsContent ? [] : (await archive.GetAsync(first.Blob, ct)
                        ?? throw new InvalidOperationException($"WMO405 {first.Id:N} is not in the archive ({first.Blob}).")).Content;
                    await transport.SendAsync(first, first.Identificatie, xml, ct);
                }
            }
            catch (Exception ex) when (HubHttpClients.IsUnreachable(ex) && !ct.IsCancellationRequested)
            {
                _logger.LogWarning("WMO405 {Wmo405} for gemeente {Gemeente} not delivered via {Transport}: {Error}; it waits for the next round",
                    first.Id, first.Gemeente, transport.Name, ex.Message);
                await tracking.RecordLatestAsync(first.Id, MessageStatus.Failed, $"CAK niet bereikbaar via {transport.Name}: {ex.Message}", ct);
                await RaiseUnreachableAsync(pending.Count - sent, ex.Message, ct);
                return new RelayRound(sent, pending.Count - sent, ex.Message);
            }

            // Each message's history is its own partition: written side by side. Out of the outbox only after that.
            await Task.WhenAll(chunk.Select(item => tracking.RecordStepsAsync(item.Id, [new(MessageStatus.Delivered, $"CAK ({transport.Name})", null)], null, [], ct)));
            _failingSince = null;
            await outbox.CompleteAsync(chunk, ct);
            foreach (var item in chunk)
            {
                using var correlation = _logger.BeginBerichtScope(item.Cause ?? item.Id);
                _logger.LogInformation("WMO405 {Wmo405} for gemeente {Gemeente} delivered to the CAK via {Transport}", item.Id, item.Gemeente, transport.Name);
            }

            sent += chunk.Length;
        }

        if (_mayHaveOpenAlert)
        {
            await alerts.ResolveAsync(null, UnreachableId(time.GetUtcNow()), "Het CAK is weer bereikbaar; de wachtende berichten zijn verzonden.", ct);
            _mayHaveOpenAlert = false;
        }

        return new RelayRound(sent, 0, null);
    }

    private static string UnreachableId(DateTimeOffset now) => Alerts.IdOf(AlertRules.CakUnreachable, "cak-relay", now.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>One alert per day the CAK cannot be reached, for the CAK liaison; critical after an hour.</summary>
    private async Task RaiseUnreachableAsync(int waiting, string error, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var since = _failingSince ??= now;
        _mayHaveOpenAlert = true;
        await alerts.RaiseAsync(new Alert(UnreachableId(now), AlertRules.CakUnreachable, now - since > TimeSpan.FromHours(1) ? AlertSeverity.Critical : AlertSeverity.Warning,
            AlertStatus.Open, Alerts.CakLiaison, "cak-relay", now.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), null, null, null, null, null,
            now, since, null, null, $"{waiting} eigenbijdragebericht(en) (WMO405) wachten: het CAK is niet bereikbaar via {transport.Name} ({error}). Er gaat niets verloren; ze worden op volgorde verzonden zodra het CAK weer bereikbaar is."), ct);
    }

    private DateTimeOffset? _failingSince;
}
