using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace Wmo.Storage;

/// <summary>
/// Tokens from the managed identity of an App Service or Functions app (the endpoint and secret the platform puts in
/// <c>IDENTITY_ENDPOINT</c> and <c>IDENTITY_HEADER</c>), for <see cref="TokenCredential"/>: how production reaches
/// storage with Entra ID instead of account keys.
/// </summary>
public sealed class ManagedIdentity(HttpClient http, Uri endpoint, string secret, string? clientId = null)
{
    /// <summary>The platform's managed identity, or null when the process does not run with one.</summary>
    public static ManagedIdentity? FromEnvironment(HttpClient http, string? clientId = null) =>
        Environment.GetEnvironmentVariable("IDENTITY_ENDPOINT") is { Length: > 0 } endpoint
        && Environment.GetEnvironmentVariable("IDENTITY_HEADER") is { Length: > 0 } secret
            ? new ManagedIdentity(http, new Uri(endpoint), secret, clientId)
            : null;

    /// <summary>A token for <paramref name="scope"/> (".default" scopes are turned into the resource the endpoint wants).</summary>
    public async ValueTask<StorageAccessToken> GetTokenAsync(string scope, CancellationToken ct)
    {
        var resource = scope.EndsWith("/.default", StringComparison.Ordinal) ? scope[..^".default".Length] : scope;
        var query = $"resource={Uri.EscapeDataString(resource)}&api-version=2019-08-01" + (clientId is null ? string.Empty : $"&client_id={Uri.EscapeDataString(clientId)}");
        using var request = new HttpRequestMessage(HttpMethod.Get, new UriBuilder(endpoint) { Query = query }.Uri);
        request.Headers.Add("X-IDENTITY-HEADER", secret);
        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"The managed identity endpoint answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false)}");
        }

        var body = await response.Content.ReadFromJsonAsync<JsonElement>(ct).ConfigureAwait(false);
        var expires = body.GetProperty("expires_on");
        var seconds = expires.ValueKind == JsonValueKind.Number ? expires.GetInt64() : long.Parse(expires.GetString()!, CultureInfo.InvariantCulture);
        return new StorageAccessToken(body.GetProperty("access_token").GetString()!, DateTimeOffset.FromUnixTimeSeconds(seconds));
    }
}
