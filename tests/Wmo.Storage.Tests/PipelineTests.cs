using System.Net;
using Wmo.Storage;
using Wmo.Testing;

namespace Wmo.Storage.Tests;


public class PipelineTests : IClassFixture<AzuriteFixture>
{
    private readonly AzuriteFixture _azurite;

    public PipelineTests(AzuriteFixture azurite) => _azurite = azurite;

    private static StorageClientOptions FastRetries(FaultInjectingHandler handler) => new()
    {
        PrimaryHandler = () => handler,
        RetryBaseDelay = TimeSpan.FromMilliseconds(5),
        MaxRetries = 4,
    };

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.RequestTimeout)]
    public async Task Transient_statuses_are_retried_until_the_service_answers(HttpStatusCode status)
    {
        var handler = FaultInjectingHandler.FailFirst(2, status);
        using var client = _azurite.CreateClient(FastRetries(handler));
        var queue = client.GetQueue(UniqueName.For("retry"));

        var created = await queue.CreateIfNotExistsAsync();

        Assert.True(created);
        Assert.Equal(3, handler.Attempts);
    }

    [Fact]
    public async Task A_connection_reset_is_retried_and_the_retried_request_is_signed_again()
    {
        var handler = FaultInjectingHandler.ResetFirst(1);
        using var client = _azurite.CreateClient(FastRetries(handler));
        var queue = client.GetQueue(UniqueName.For("reset"));
        await queue.CreateIfNotExistsAsync();

        var receipt = await queue.SendAsync("after a reset");

        Assert.False(string.IsNullOrEmpty(receipt.MessageId));
        Assert.Equal("after a reset", (await queue.PeekAsync()).Single().Body);
    }

    [Fact]
    public async Task Retries_stop_after_the_configured_count_and_surface_the_service_status()
    {
        var handler = FaultInjectingHandler.FailFirst(100, HttpStatusCode.ServiceUnavailable);
        using var client = _azurite.CreateClient(FastRetries(handler) with { MaxRetries = 2 });

        var ex = await Assert.ThrowsAsync<StorageRequestException>(() => client.GetQueue(UniqueName.For("down")).CreateIfNotExistsAsync());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ex.Status);
        Assert.Equal(3, handler.Attempts);
    }

    [Fact]
    public async Task A_client_error_is_not_retried_and_carries_the_service_error_code()
    {
        var handler = new FaultInjectingHandler(_ => null);
        using var client = _azurite.CreateClient(FastRetries(handler));

        var ex = await Assert.ThrowsAsync<StorageRequestException>(() => client.GetQueue(UniqueName.For("absent")).SendAsync("x"));

        Assert.Equal(HttpStatusCode.NotFound, ex.Status);
        Assert.Equal("QueueNotFound", ex.ErrorCode);
        Assert.Equal(1, handler.Attempts);
    }

    [Fact]
    public async Task A_hung_attempt_is_abandoned_after_the_attempt_timeout_and_retried()
    {
        var hangOnce = new HangingFirstAttemptHandler();
        using var client = _azurite.CreateClient(new StorageClientOptions
        {
            PrimaryHandler = () => hangOnce,
            AttemptTimeout = TimeSpan.FromMilliseconds(500),
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
        });

        var created = await client.GetQueue(UniqueName.For("hung")).CreateIfNotExistsAsync();

        Assert.True(created);
        Assert.Equal(2, hangOnce.Attempts);
    }

    [Fact]
    public async Task A_wrong_account_key_is_refused_by_the_service_with_403()
    {
        var wrongKey = _azurite.ConnectionString.Replace(
            "AccountKey=Eby8", "AccountKey=Aby8", StringComparison.Ordinal);
        using var client = StorageClient.FromConnectionString(wrongKey);

        var ex = await Assert.ThrowsAsync<StorageRequestException>(() => client.GetQueue(UniqueName.For("forbidden")).CreateIfNotExistsAsync());

        Assert.Equal(HttpStatusCode.Forbidden, ex.Status);
        Assert.Equal("AuthenticationFailed", ex.ErrorCode);
    }

    [Fact]
    public async Task A_token_credential_sends_a_bearer_token_for_the_storage_scope_and_caches_it()
    {
        var requestedScopes = new List<string>();
        var handler = new FaultInjectingHandler(_ => new HttpResponseMessage(HttpStatusCode.Created));
        var credential = new TokenCredential((scope, _) =>
        {
            requestedScopes.Add(scope);
            return ValueTask.FromResult(new StorageAccessToken("token-123", TimeProvider.System.GetUtcNow().AddHours(1)));
        });
        using var client = new StorageClient(
            StorageAccount.ForTokenCredential("wmoprod"),
            new StorageClientOptions { Credential = credential, PrimaryHandler = () => handler });

        await client.GetQueue("one").CreateIfNotExistsAsync();
        await client.GetQueue("two").CreateIfNotExistsAsync();

        Assert.All(handler.Seen, r => Assert.Equal("Bearer token-123", r.Headers.Authorization?.ToString()));
        Assert.Equal([TokenCredential.StorageScope], requestedScopes);
        Assert.Equal("https://wmoprod.queue.core.windows.net/one", handler.Seen[0].RequestUri!.AbsoluteUri);
    }

    /// <summary>The first attempt never answers (a dead connection); later ones reach Azurite.</summary>
    private sealed class HangingFirstAttemptHandler : DelegatingHandler
    {
        private int _attempts;

        public HangingFirstAttemptHandler()
            : base(new SocketsHttpHandler())
        {
        }

        public int Attempts => _attempts;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _attempts) == 1)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
