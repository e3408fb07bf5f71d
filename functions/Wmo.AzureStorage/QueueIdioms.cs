using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace Wmo.AzureStorage;

/// <summary>
/// Queue idioms on the Azure SDK's <see cref="QueueClient"/>. The clients come from <see cref="StorageClients"/> with
/// base64 message encoding, so <see cref="QueueMessage.MessageText"/> is the decoded body and what is sent is what a
/// Functions queue trigger reads.
/// </summary>
public static class QueueIdioms
{
    extension(QueueClient queue)
    {
        /// <summary>Sends a message, hidden for <paramref name="visibilityDelay"/>; <paramref name="timeToLive"/> null = 7 days, infinite = never expires.</summary>
        public async Task<SendReceipt> SendAsync(string body, TimeSpan? visibilityDelay = null, TimeSpan? timeToLive = null, CancellationToken ct = default)
        {
            var ttl = timeToLive == Timeout.InfiniteTimeSpan ? TimeSpan.FromSeconds(-1) : timeToLive;
            var response = await queue.SendMessageAsync(body, visibilityDelay, ttl, ct).ConfigureAwait(false);
            return response.Value;
        }

        /// <summary>Receives up to <paramref name="maxMessages"/> (1–32), hidden from others for <paramref name="visibilityTimeout"/>.</summary>
        public async Task<QueueMessage[]> ReceiveAsync(int maxMessages, TimeSpan visibilityTimeout, CancellationToken ct = default)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(maxMessages, 32);
            var response = await queue.ReceiveMessagesAsync(maxMessages, visibilityTimeout, ct).ConfigureAwait(false);
            return response.Value;
        }

        /// <summary>Reads up to 32 visible messages without hiding them.</summary>
        public async Task<PeekedMessage[]> PeekAsync(int maxMessages = 1, CancellationToken ct = default)
        {
            var response = await queue.PeekMessagesAsync(maxMessages, ct).ConfigureAwait(false);
            return response.Value;
        }

        /// <summary>Changes when a received message becomes visible again; returns the new pop receipt.</summary>
        public async Task<UpdateReceipt> UpdateVisibilityAsync(string messageId, string popReceipt, TimeSpan visibilityTimeout, CancellationToken ct = default)
        {
            var response = await queue.UpdateMessageAsync(messageId, popReceipt, (BinaryData?)null, visibilityTimeout, ct).ConfigureAwait(false);
            return response.Value;
        }

        /// <summary>The service's approximate number of messages (visible and invisible).</summary>
        public async Task<long> GetApproximateCountAsync(CancellationToken ct = default)
        {
            var response = await queue.GetPropertiesAsync(ct).ConfigureAwait(false);
            return response.Value.ApproximateMessagesCountLong;
        }
    }
}
