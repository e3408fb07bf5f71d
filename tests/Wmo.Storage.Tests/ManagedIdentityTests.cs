using System.Net;
using System.Text;
using Wmo.Storage;
using Wmo.Testing;

namespace Wmo.Storage.Tests;

/// <summary>The managed-identity token source against a real HTTP endpoint shaped like App Service's.</summary>
public sealed class ManagedIdentityTests
{
    [Fact]
    public async Task A_token_is_asked_for_the_storage_resource_with_the_platform_secret_and_cached_by_the_credential()
    {
        var port = AzuriteFixture.FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/msi/");
        listener.Start();
        var requests = new List<(string? Query, string? Secret)>();
        var expires = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();
        var serving = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                lock (requests)
                {
                    requests.Add((context.Request.Url?.Query, context.Request.Headers["X-IDENTITY-HEADER"]));
                }

                var ok = context.Request.Headers["X-IDENTITY-HEADER"] == "platform-secret";
                context.Response.StatusCode = ok ? 200 : 400;
                var body = Encoding.UTF8.GetBytes(ok ? $$"""{"access_token":"token-1","expires_on":"{{expires}}","resource":"https://storage.azure.com/"}""" : "{}");
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        });
        using var http = new HttpClient();
        var identity = new ManagedIdentity(http, new Uri($"http://127.0.0.1:{port}/msi/token"), "platform-secret", "client-42");
        var credential = new TokenCredential(identity.GetTokenAsync);

        using var first = new HttpRequestMessage(HttpMethod.Get, "https://account.queue.core.windows.net/q");
        using var second = new HttpRequestMessage(HttpMethod.Get, "https://account.queue.core.windows.net/q");
        await credential.AuthorizeAsync(first, StorageService.Queue, CancellationToken.None);
        await credential.AuthorizeAsync(second, StorageService.Queue, CancellationToken.None);
        var wrongSecret = new ManagedIdentity(http, new Uri($"http://127.0.0.1:{port}/msi/token"), "wrong");
        await Assert.ThrowsAsync<HttpRequestException>(async () => await wrongSecret.GetTokenAsync(TokenCredential.StorageScope, CancellationToken.None));
        listener.Stop();
        await serving;

        Assert.Equal("Bearer token-1", first.Headers.Authorization?.ToString());
        Assert.Equal("Bearer token-1", second.Headers.Authorization?.ToString());
        var (query, secret) = requests[0];
        Assert.Equal(2, requests.Count); // one for the credential (cached for the second request), one with the wrong secret
        Assert.Equal("platform-secret", secret);
        Assert.Contains("resource=https%3A%2F%2Fstorage.azure.com%2F", query, StringComparison.Ordinal);
        Assert.Contains("api-version=2019-08-01", query, StringComparison.Ordinal);
        Assert.Contains("client_id=client-42", query, StringComparison.Ordinal);
    }
}
