using System.Globalization;
using System.Net;
using System.Security;
using System.Text;
using System.Xml.Linq;

namespace Wmo.Storage;

/// <summary>A message as received (or peeked) from a queue; <see cref="Body"/> is already decoded.</summary>
public sealed record QueueMessage(
    string MessageId,
    string PopReceipt,
    string Body,
    long DequeueCount,
    DateTimeOffset InsertedOn,
    DateTimeOffset ExpiresOn,
    DateTimeOffset NextVisibleOn);

/// <summary>The receipt of a sent or updated message: what is needed to update or delete it later.</summary>
public sealed record QueueMessageReceipt(string MessageId, string PopReceipt, DateTimeOffset NextVisibleOn);

/// <summary>Azure Queue Storage REST operations on one queue.</summary>
public sealed class QueueClient
{
    /// <summary>Largest message the service accepts (64 KiB of encoded text).</summary>
    public const int MaxEncodedMessageBytes = 64 * 1024;

    private readonly StorageClient _storage;

    internal QueueClient(StorageClient storage, string name)
    {
        _storage = storage;
        Name = name;
    }

    public string Name { get; }

    /// <summary>Creates the queue; true when it was created, false when it already existed.</summary>
    public async Task<bool> CreateIfNotExistsAsync(CancellationToken ct = default)
    {
        using var response = await SendAsync(HttpMethod.Put, Name, ct: ct).ConfigureAwait(false);
        return response.StatusCode switch
        {
            HttpStatusCode.Created => true,
            HttpStatusCode.NoContent => false,
            _ => throw await StorageClient.ErrorAsync(response, $"Create queue {Name}", ct).ConfigureAwait(false),
        };
    }

    /// <summary>Deletes the queue; false when it did not exist.</summary>
    public async Task<bool> DeleteIfExistsAsync(CancellationToken ct = default)
    {
        using var response = await SendAsync(HttpMethod.Delete, Name, ct: ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        await EnsureSuccessAsync(response, "Delete queue", ct).ConfigureAwait(false);
        return true;
    }

    /// <param name="visibilityDelay">The message stays invisible this long (0 – 7 days).</param>
    /// <param name="timeToLive">Expiry; null is the service default (7 days); <see cref="Timeout.InfiniteTimeSpan"/> never expires.</param>
    public async Task<QueueMessageReceipt> SendAsync(string body, TimeSpan? visibilityDelay = null, TimeSpan? timeToLive = null, CancellationToken ct = default)
    {
        var query = new List<string>();
        if (visibilityDelay is { } delay)
        {
            query.Add("visibilitytimeout=" + Seconds(delay));
        }

        if (timeToLive is { } ttl)
        {
            query.Add("messagettl=" + (ttl == Timeout.InfiniteTimeSpan ? "-1" : Seconds(ttl)));
        }

        using var response = await SendAsync(HttpMethod.Post, $"{Name}/messages{Query(query)}", MessageXml(body), ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "Send message", ct).ConfigureAwait(false);
        var message = (await ReadListAsync(response, ct).ConfigureAwait(false)).Single();
        return new QueueMessageReceipt(
            message.Element("MessageId")!.Value,
            message.Element("PopReceipt")!.Value,
            ParseDate(message.Element("TimeNextVisible")!.Value));
    }

    /// <summary>Receives up to <paramref name="maxMessages"/> (1–32), hidden from others for <paramref name="visibilityTimeout"/>.</summary>
    public async Task<IReadOnlyList<QueueMessage>> ReceiveAsync(int maxMessages, TimeSpan visibilityTimeout, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxMessages, 32);
        using var response = await SendAsync(
            HttpMethod.Get,
            $"{Name}/messages?numofmessages={maxMessages}&visibilitytimeout={Seconds(visibilityTimeout)}",
            ct: ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "Receive messages", ct).ConfigureAwait(false);
        return (await ReadListAsync(response, ct).ConfigureAwait(false)).Select(ToMessage).ToList();
    }

    /// <summary>Reads up to 32 visible messages without hiding them (pop receipt is empty).</summary>
    public async Task<IReadOnlyList<QueueMessage>> PeekAsync(int maxMessages = 1, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxMessages, 32);
        using var response = await SendAsync(HttpMethod.Get, $"{Name}/messages?peekonly=true&numofmessages={maxMessages}", ct: ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "Peek messages", ct).ConfigureAwait(false);
        return (await ReadListAsync(response, ct).ConfigureAwait(false)).Select(ToMessage).ToList();
    }

    /// <summary>
    /// Deletes a received message. Throws <see cref="StorageRequestException"/> (404 MessageNotFound / 400
    /// PopReceiptMismatch) when the pop receipt is stale: another consumer received the message meanwhile.
    /// </summary>
    public async Task DeleteMessageAsync(string messageId, string popReceipt, CancellationToken ct = default)
    {
        using var response = await SendAsync(
            HttpMethod.Delete,
            $"{Name}/messages/{Uri.EscapeDataString(messageId)}?popreceipt={Uri.EscapeDataString(popReceipt)}",
            ct: ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "Delete message", ct).ConfigureAwait(false);
    }

    /// <summary>Changes when the message becomes visible again (and optionally its body); returns the new pop receipt.</summary>
    public async Task<QueueMessageReceipt> UpdateVisibilityAsync(
        string messageId, string popReceipt, TimeSpan visibilityTimeout, string? newBody = null, CancellationToken ct = default)
    {
        using var response = await SendAsync(
            HttpMethod.Put,
            $"{Name}/messages/{Uri.EscapeDataString(messageId)}?popreceipt={Uri.EscapeDataString(popReceipt)}&visibilitytimeout={Seconds(visibilityTimeout)}",
            newBody is null ? null : MessageXml(newBody),
            ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "Update message", ct).ConfigureAwait(false);
        return new QueueMessageReceipt(
            messageId,
            response.Headers.GetValues("x-ms-popreceipt").Single(),
            ParseDate(response.Headers.GetValues("x-ms-time-next-visible").Single()));
    }

    /// <summary>The service's approximate number of messages (visible and invisible).</summary>
    public async Task<long> GetApproximateCountAsync(CancellationToken ct = default)
    {
        using var response = await SendAsync(HttpMethod.Get, $"{Name}?comp=metadata", ct: ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "Get queue metadata", ct).ConfigureAwait(false);
        return long.Parse(response.Headers.GetValues("x-ms-approximate-messages-count").Single(), CultureInfo.InvariantCulture);
    }

    /// <summary>Removes every message from the queue.</summary>
    public async Task ClearAsync(CancellationToken ct = default)
    {
        using var response = await SendAsync(HttpMethod.Delete, $"{Name}/messages", ct: ct).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "Clear messages", ct).ConfigureAwait(false);
    }

    /// <summary>Encodes a body as it travels on the wire (base64 of UTF-8 by default, as Azure Functions expects).</summary>
    public string Encode(string body) => _storage.Options.MessageEncoding == QueueMessageEncoding.Base64
        ? Convert.ToBase64String(Encoding.UTF8.GetBytes(body))
        : body;

    public string Decode(string wire)
    {
        if (_storage.Options.MessageEncoding == QueueMessageEncoding.None)
        {
            return wire;
        }

        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(wire));
        }
        catch (FormatException)
        {
            // Someone wrote plain text into a base64 queue; hand it over as it is instead of losing it.
            return wire;
        }
    }

    private StringContent MessageXml(string body)
    {
        var encoded = Encode(body);
        if (Encoding.UTF8.GetByteCount(encoded) > MaxEncodedMessageBytes)
        {
            throw new ArgumentException(
                $"Queue message is {Encoding.UTF8.GetByteCount(encoded)} bytes encoded; the limit is {MaxEncodedMessageBytes}. " +
                "Store the payload in a blob and send a reference (claim check).",
                nameof(body));
        }

        return new StringContent(
            $"<QueueMessage><MessageText>{SecurityElement.Escape(encoded)}</MessageText></QueueMessage>",
            Encoding.UTF8,
            "application/xml");
    }

    private QueueMessage ToMessage(XElement m) => new(
        m.Element("MessageId")!.Value,
        m.Element("PopReceipt")?.Value ?? string.Empty,
        Decode(m.Element("MessageText")?.Value ?? string.Empty),
        long.Parse(m.Element("DequeueCount")!.Value, CultureInfo.InvariantCulture),
        ParseDate(m.Element("InsertionTime")!.Value),
        ParseDate(m.Element("ExpirationTime")!.Value),
        m.Element("TimeNextVisible") is { } next ? ParseDate(next.Value) : default);

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string relative, HttpContent? content = null, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(method, _storage.Uri(StorageService.Queue, relative)) { Content = content };
        return await _storage.SendAsync(StorageService.Queue, request, ct).ConfigureAwait(false);
    }

    private Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken ct) =>
        StorageClient.EnsureSuccessAsync(response, $"{what} ({Name})", ct);

    private static async Task<IEnumerable<XElement>> ReadListAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var xml = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        return XDocument.Parse(xml).Root!.Elements("QueueMessage");
    }

    private static string Query(List<string> parts) => parts.Count == 0 ? string.Empty : "?" + string.Join('&', parts);

    private static string Seconds(TimeSpan t) => ((long)Math.Ceiling(t.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseDate(string value) =>
        DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
