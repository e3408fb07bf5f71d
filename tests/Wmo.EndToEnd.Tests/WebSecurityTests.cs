using System.Net;

namespace Wmo.EndToEnd.Tests;

/// <summary>
/// What protects a browser user: security headers on every kind of response, and a sign-in form that only the hub's
/// own page can post (ASP.NET Core antiforgery), so another site cannot sign a user in to someone else's session.
/// </summary>
public sealed class WebSecurityTests : IClassFixture<BadInputTests.Hub>
{
    private readonly BadInputTests.Hub _hub;

    public WebSecurityTests(BadInputTests.Hub hub) => _hub = hub;

    [Theory]
    [InlineData("/dashboard/inloggen", false)]
    [InlineData("/dashboard/signalen", true)]
    [InlineData("/api/health", false)]
    [InlineData("/api/alerts", false)]
    [InlineData("/api/bestaat-niet", false)]
    [InlineData("/", false)]
    public async Task Every_response_forbids_scripts_framing_and_sniffing(string path, bool signedIn)
    {
        using var response = signedIn ? await _hub.Sessions["liaison"].GetAsync(path) : await _hub.Http.GetAsync(path);

        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src", csp, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sign_in_posted_without_the_forms_antiforgery_token_is_refused_and_starts_no_session()
    {
        using var client = new HttpClient(new HttpClientHandler { UseCookies = true, AllowAutoRedirect = false }) { BaseAddress = _hub.Http.BaseAddress };

        using var forged = await client.PostAsync("/dashboard/inloggen", new FormUrlEncodedContent(new Dictionary<string, string> { ["sleutel"] = "badinput-cak-liaison-key-00" }));

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.DoesNotContain(forged.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [], c => c.StartsWith("wmo_sessie=", StringComparison.Ordinal));
        Assert.Contains("verlopen", await forged.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_taken_from_another_browser_does_not_sign_in_and_the_own_form_does()
    {
        using var attacker = new HttpClient(new HttpClientHandler { UseCookies = true, AllowAutoRedirect = false }) { BaseAddress = _hub.Http.BaseAddress };
        using var victim = new HttpClient(new HttpClientHandler { UseCookies = true, AllowAutoRedirect = false }) { BaseAddress = _hub.Http.BaseAddress };
        var page = await attacker.GetStringAsync("/dashboard/inloggen");
        var token = System.Text.RegularExpressions.Regex.Match(page, "name=\"_af\" value=\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(token);

        using var crossSite = await victim.PostAsync("/dashboard/inloggen", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["sleutel"] = "badinput-cak-liaison-key-00", ["_af"] = token,
        }));
        using var ownForm = await DashboardSignIn.SignInAsync(victim, "badinput-cak-liaison-key-00");

        Assert.Equal(HttpStatusCode.BadRequest, crossSite.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, ownForm.StatusCode);
        Assert.Contains(ownForm.Headers.GetValues("Set-Cookie"), c => c.StartsWith("wmo_sessie=", StringComparison.Ordinal) && c.Contains("httponly", StringComparison.OrdinalIgnoreCase));
    }
}
