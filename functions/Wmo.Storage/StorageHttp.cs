using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Polly;
using Polly.Retry;

namespace Wmo.Storage;

/// <summary>Options for the storage HTTP pipeline.</summary>
public sealed record StorageClientOptions
{
    /// <summary>Retries after the first attempt for transient failures (408/429/500/502/503/504, connection resets).</summary>
    public int MaxRetries { get; init; } = 4;

    /// <summary>First backoff delay; doubles each retry, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Upper bound for one attempt (as the Azure SDK's network timeout); a hung attempt is retried.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>Queue message encoding; base64 is what Azure Functions queue triggers expect by default.</summary>
    public QueueMessageEncoding MessageEncoding { get; init; } = QueueMessageEncoding.Base64;

    /// <summary>Credential override (token credential for Entra ID); default: SharedKey from the connection string.</summary>
    public IStorageCredential? Credential { get; init; }

    /// <summary>Innermost handler (tests inject faults here); default: a pooled <see cref="SocketsHttpHandler"/>.</summary>
    public Func<HttpMessageHandler>? PrimaryHandler { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

public enum QueueMessageEncoding
{
    Base64,
    None,
}

internal static class StorageRequestOptions
{
    public static readonly HttpRequestOptionsKey<StorageService> Service = new("wmo.storage.service");
}

/// <summary>
/// Retries transient failures with exponential backoff (Polly.Core). Sits outside the signing handler so every
/// attempt is signed afresh. Request content is buffered (ByteArrayContent/StringContent) so it can be resent.
/// </summary>
internal sealed class StorageRetryHandler : DelegatingHandler
{
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    public StorageRetryHandler(StorageClientOptions options)
    {
        _pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>
        {
            TimeProvider = options.TimeProvider,
        }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = TimeSpan.FromSeconds(10),
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome)),
                OnRetry = args =>
                {
                    // The failed response is discarded; free its connection before the next attempt.
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            })
            // Inside the retry, so each attempt gets its own bound: a hung connection is abandoned and retried.
            .AddTimeout(options.AttemptTimeout)
            .Build();
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        await _pipeline.ExecuteAsync(
            static async (state, ct) => await state.Handler.SendCore(state.Request, ct).ConfigureAwait(false),
            (Handler: this, Request: request),
            cancellationToken).ConfigureAwait(false);

    private Task<HttpResponseMessage> SendCore(HttpRequestMessage request, CancellationToken ct) => base.SendAsync(request, ct);

    internal static bool IsTransient(Outcome<HttpResponseMessage> outcome)
    {
        if (outcome.Exception is { } ex)
        {
            return ex is HttpRequestException or IOException or SocketException or Polly.Timeout.TimeoutRejectedException;
        }

        return outcome.Result!.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests
            or HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway
            or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;
    }
}

/// <summary>Stamps x-ms-date / x-ms-version and authorizes each attempt.</summary>
internal sealed class StorageAuthHandler : DelegatingHandler
{
    // Blob and Queue accept this version on Azure and on Azurite 3.35; Table uses its own (OData) versioning.
    internal const string BlobQueueVersion = "2023-11-03";
    internal const string TableVersion = "2019-02-02";

    private readonly IStorageCredential _credential;
    private readonly TimeProvider _time;

    public StorageAuthHandler(IStorageCredential credential, TimeProvider time)
    {
        _credential = credential;
        _time = time;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Options.TryGetValue(StorageRequestOptions.Service, out var service))
        {
            throw new InvalidOperationException("Storage request without a service marker.");
        }

        request.Headers.Remove("x-ms-date");
        request.Headers.Remove("x-ms-version");
        request.Headers.Authorization = null;
        request.Headers.TryAddWithoutValidation("x-ms-date", _time.GetUtcNow().ToString("R", CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("x-ms-version", service == StorageService.Table ? TableVersion : BlobQueueVersion);
        await _credential.AuthorizeAsync(request, service, cancellationToken).ConfigureAwait(false);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
