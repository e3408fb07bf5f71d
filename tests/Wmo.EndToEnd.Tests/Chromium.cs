using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;

namespace Wmo.EndToEnd.Tests;

/// <summary>
/// A real headless Debian Chromium driven by Microsoft.Playwright (its own browser download does not work here, so it
/// launches /usr/bin/chromium; `./wmo test` installs it through apt when it is missing): navigate, read the page,
/// fill and submit forms through locators (auto-waiting) as a person would, screenshots, and a Playwright trace of
/// every session in tests/artifacts/traces (open with `npx playwright show-trace FILE`).
/// </summary>
public sealed class Chromium : IAsyncDisposable
{
    private static readonly string Artifacts = Path.Combine(Wmo.Testing.RepoPaths.Root, "tests", "artifacts");
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly IBrowserContext _context;
    private readonly string _trace;

    private Chromium(IPlaywright playwright, IBrowser browser, IBrowserContext context, IPage page, string trace)
    {
        _playwright = playwright;
        _browser = browser;
        _context = context;
        Page = page;
        _trace = trace;
    }

    /// <summary>The page, for locators and assertions beyond the helpers below.</summary>
    public IPage Page { get; }

    public static string? Binary() => new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists);

    public static async Task<Chromium> StartAsync(string traceName = "dashboard")
    {
        var binary = Binary() ?? throw new InvalidOperationException("chromium is not installed (apt-get install chromium; ./wmo test does this).");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = binary,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 }, Locale = "nl-NL" });
        context.SetDefaultTimeout(30_000);
        await context.Tracing.StartAsync(new TracingStartOptions { Screenshots = true, Snapshots = true, Title = traceName });
        var page = await context.NewPageAsync();
        return new Chromium(playwright, browser, context, page, traceName);
    }

    public async Task GoAsync(string url) => await Page.GotoAsync(url, new PageGotoOptions { WaitUntil = WaitUntilState.Load });

    /// <summary>Runs a script in the page and returns its value as JSON (strings, numbers, booleans, arrays); promises are awaited.</summary>
    public async Task<JsonNode?> EvalAsync(string expression)
    {
        var value = await Page.EvaluateAsync<JsonElement?>(expression);
        return value is { } v ? JsonNode.Parse(v.GetRawText()) : null;
    }

    /// <summary>Signs the browser out of everything (a fresh person at the same machine).</summary>
    public Task ClearCookiesAsync() => _context.ClearCookiesAsync();

    public async Task<string> TextAsync(string selector)
    {
        var element = Page.Locator(selector).First;
        return await element.CountAsync() == 0 ? string.Empty : await element.InnerTextAsync();
    }

    /// <summary>Fills fields (inputs and selects) and submits a form as a person does, then waits for the next page.</summary>
    public async Task SubmitAsync(string formSelector, IDictionary<string, string> fields)
    {
        var form = Page.Locator(formSelector).First;
        foreach (var (name, value) in fields)
        {
            var field = form.Locator($"[name='{name}']");
            if (await field.EvaluateAsync<string>("e => e.tagName") == "SELECT")
            {
                await field.SelectOptionAsync(value);
            }
            else
            {
                await field.FillAsync(value);
            }
        }

        // The form posts and the server answers with a page (or a redirect to one): wait for that page's load event.
        var loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLoad(object? sender, IPage page) => loaded.TrySetResult();
        Page.Load += OnLoad;
        try
        {
            await form.Locator("button[type=submit]").ClickAsync();
            await loaded.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            Page.Load -= OnLoad;
        }
    }

    public async Task<string> UrlAsync() => (await EvalAsync("location.pathname + location.search"))!.GetValue<string>();

    public async Task ScreenshotAsync(string name)
    {
        var folder = Path.Combine(Artifacts, "screenshots");
        Directory.CreateDirectory(folder);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = true });
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            var folder = Path.Combine(Artifacts, "traces");
            Directory.CreateDirectory(folder);
            await _context.Tracing.StopAsync(new TracingStopOptions { Path = Path.Combine(folder, _trace + ".zip") });
        }
        finally
        {
            await _context.DisposeAsync();
            await _browser.DisposeAsync();
            _playwright.Dispose();
        }
    }
}
