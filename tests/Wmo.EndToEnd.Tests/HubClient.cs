using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Wmo.Messages.Model;
using Wmo.Testing;

namespace Wmo.EndToEnd.Tests;

/// <summary>What a party's system does over HTTP: post, read its mailbox, download, acknowledge, look up a message.</summary>
public sealed class HubClient(HttpClient http)
{
    public sealed record Posted(HttpStatusCode Status, JsonElement Body)
    {
        public Guid Id => Body.GetProperty("id").GetGuid();
    }

    public async Task<Posted> PostAsync(string key, byte[] xml)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/berichten") { Content = new ByteArrayContent(xml) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/xml");
        request.Headers.Add("X-Api-Key", key);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new Posted(response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public Task<Posted> PostAsync(string key, IIwmoMessage message) => PostAsync(key, ChainMessages.Xml(message));

    public async Task<Guid> AcceptedAsync(string key, IIwmoMessage message)
    {
        var posted = await PostAsync(key, message);
        Assert.True(posted.Status == HttpStatusCode.Accepted, $"{message.Type}: {posted.Status} {posted.Body}");
        return posted.Id;
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> GetJsonAsync(string key, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Api-Key", key);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public async Task<(HttpStatusCode Status, string Body)> GetTextAsync(string key, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Api-Key", key);
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task<HttpStatusCode> PostEmptyAsync(string key, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Add("X-Api-Key", key);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>Every item of the caller's mailbox, following continuation tokens.</summary>
    public async Task<List<JsonElement>> MailboxAsync(string key)
    {
        var items = new List<JsonElement>();
        string? token = null;
        do
        {
            var (status, body) = await GetJsonAsync(key, "/api/mailbox?pageSize=500" + (token is null ? string.Empty : "&continuationToken=" + Uri.EscapeDataString(token)));
            Assert.Equal(HttpStatusCode.OK, status);
            items.AddRange(body.GetProperty("items").EnumerateArray());
            token = body.GetProperty("continuationToken").GetString();
        }
        while (token is not null);
        return items;
    }

    /// <summary>Waits until the mailbox holds an item that matches, and returns it.</summary>
    public async Task<JsonElement> WaitForItemAsync(string key, Func<JsonElement, bool> match, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var found = (await MailboxAsync(key)).Where(match).ToList();
            if (found.Count > 0)
            {
                return Assert.Single(found);
            }

            if (clock.Elapsed > (timeout ?? TimeSpan.FromSeconds(120)))
            {
                throw new TimeoutException("The expected mailbox item did not arrive.");
            }

            await Task.Delay(200);
        }
    }

    public async Task<JsonElement> WaitForMessageAsync(string key, Guid id)
    {
        try
        {
            return await WaitForItemAsync(key, i => i.GetProperty("id").GetGuid() == id);
        }
        catch (TimeoutException)
        {
            var (_, history) = await GetJsonAsync(key, $"/api/berichten/{id}");
            throw new TimeoutException($"Message {id} did not arrive in the mailbox; its history: {history}");
        }
    }

    /// <summary>The hub's own retour on a message, in the sender's mailbox.</summary>
    public Task<JsonElement> WaitForHubRetourAsync(string key, Guid heen) =>
        WaitForItemAsync(key, i => i.GetProperty("van").GetString() == "hub" && i.GetProperty("answers").ValueKind == JsonValueKind.String && i.GetProperty("answers").GetGuid() == heen);
}

/// <summary>Signs a cookie-keeping client in to the dashboard as a browser does: the sign-in form first (its antiforgery token), then the post.</summary>
public static partial class DashboardSignIn
{
    [System.Text.RegularExpressions.GeneratedRegex("name=\"_af\" value=\"([^\"]+)\"")]
    private static partial System.Text.RegularExpressions.Regex TokenField();

    public static async Task<HttpResponseMessage> SignInAsync(HttpClient client, string key)
    {
        var page = await client.GetStringAsync("/dashboard/inloggen");
        var token = TokenField().Match(page).Groups[1].Value;
        return await client.PostAsync("/dashboard/inloggen", new FormUrlEncodedContent(new Dictionary<string, string> { ["sleutel"] = key, ["_af"] = token }));
    }
}
