using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Wmo.EndToEnd.Tests;

/// <summary>
/// A real headless Debian Chromium driven over the DevTools protocol: navigate, read the page, submit forms as a
/// person would, and save screenshots. (`./wmo test` installs chromium through apt when it is missing.)
/// </summary>
public sealed partial class Chromium : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ClientWebSocket _socket = new();
    private readonly string _profile;
    private int _nextId;
    private readonly List<JsonNode> _events = [];

    private Chromium(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    public static string? Binary() => new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists);

    public static async Task<Chromium> StartAsync()
    {
        var binary = Binary() ?? throw new InvalidOperationException("chromium is not installed (apt-get install chromium; ./wmo test does this).");
        var profile = Directory.CreateTempSubdirectory("wmo-chromium-").FullName;
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        foreach (var arg in new[] { "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--remote-debugging-port=0", $"--user-data-dir={profile}", "--window-size=1400,1000", "about:blank" })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        var browser = new Chromium(process, profile);
        var endpoint = await ReadEndpointAsync(process, TimeSpan.FromSeconds(30));
        using var http = new HttpClient();
        var pages = await http.GetFromJsonAsync<JsonArray>($"http://{endpoint}/json/list");
        var page = pages!.First(p => p!["type"]!.GetValue<string>() == "page")!;
        await browser._socket.ConnectAsync(new Uri(page["webSocketDebuggerUrl"]!.GetValue<string>()), CancellationToken.None);
        await browser.SendAsync("Page.enable");
        return browser;
    }

    [GeneratedRegex(@"DevTools listening on ws://([^/]+)/")]
    private static partial Regex Listening();

    private static async Task<string> ReadEndpointAsync(Process process, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (await process.StandardError.ReadLineAsync(cancel.Token) is { } line)
        {
            if (Listening().Match(line) is { Success: true } m)
            {
                _ = process.StandardError.ReadToEndAsync(CancellationToken.None); // keep draining
                return m.Groups[1].Value;
            }
        }

        throw new InvalidOperationException("chromium did not start its DevTools endpoint.");
    }

    public async Task<JsonNode?> SendAsync(string method, object? parameters = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        var json = JsonSerializer.Serialize(new { id, method, @params = parameters ?? new { } });
        await _socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);
        while (true)
        {
            var message = await ReceiveAsync(TimeSpan.FromSeconds(30));
            if (message["id"]?.GetValue<int>() == id)
            {
                return message["error"] is { } error ? throw new InvalidOperationException($"{method}: {error}") : message["result"];
            }

            _events.Add(message);
        }
    }

    private async Task<JsonNode> ReceiveAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var buffer = new byte[1 << 16];
        using var message = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await _socket.ReceiveAsync(buffer, cancel.Token);
            message.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);
        return JsonNode.Parse(message.ToArray())!;
    }

    private async Task WaitForLoadAsync()
    {
        while (true)
        {
            var index = _events.FindIndex(e => e["method"]?.GetValue<string>() == "Page.loadEventFired");
            if (index >= 0)
            {
                _events.RemoveRange(0, index + 1);
                return;
            }

            _events.Add(await ReceiveAsync(TimeSpan.FromSeconds(30)));
        }
    }

    public async Task GoAsync(string url)
    {
        _events.Clear();
        await SendAsync("Page.navigate", new { url });
        await WaitForLoadAsync();
    }

    /// <summary>Runs a script in the page and returns its value (strings, numbers, booleans).</summary>
    public async Task<JsonNode?> EvalAsync(string expression) =>
        (await SendAsync("Runtime.evaluate", new { expression, returnByValue = true, awaitPromise = true }))?["result"]?["value"];

    /// <summary>Signs the browser out of everything (a fresh person at the same machine).</summary>
    public Task ClearCookiesAsync() => SendAsync("Network.clearBrowserCookies");

    public async Task<string> TextAsync(string selector) =>
        (await EvalAsync($"(document.querySelector({JsonSerializer.Serialize(selector)})||{{innerText:''}}).innerText"))?.GetValue<string>() ?? string.Empty;

    /// <summary>Fills fields and submits a form the way a person does (the page itself needs no script), then waits for the next page.</summary>
    public async Task SubmitAsync(string formSelector, IDictionary<string, string> fields)
    {
        var fill = string.Concat(fields.Select(f => $"form.querySelector('[name={f.Key}]').value = {JsonSerializer.Serialize(f.Value)};"));
        _events.Clear();
        await EvalAsync($"(() => {{ const form = document.querySelector({JsonSerializer.Serialize(formSelector)}); {fill} form.querySelector('button[type=submit]').click(); }})()");
        await WaitForLoadAsync();
    }

    public async Task<string> UrlAsync() => (await EvalAsync("location.pathname + location.search"))!.GetValue<string>();

    public async Task ScreenshotAsync(string name)
    {
        var folder = Path.Combine(Wmo.Testing.RepoPaths.Root, "tests", "artifacts", "screenshots");
        Directory.CreateDirectory(folder);
        var shot = await SendAsync("Page.captureScreenshot", new { format = "png", captureBeyondViewport = true });
        await File.WriteAllBytesAsync(Path.Combine(folder, name + ".png"), Convert.FromBase64String(shot!["data"]!.GetValue<string>()));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _socket.Dispose();
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        finally
        {
            _process.Dispose();
            try
            {
                Directory.Delete(_profile, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
