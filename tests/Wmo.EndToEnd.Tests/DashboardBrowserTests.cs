using System.Globalization;
using System.Net;
using System.Text.Json;
using Wmo.Cli;

namespace Wmo.EndToEnd.Tests;

/// <summary>
/// The dashboard in a real headless Chromium over the running product with its demo data: each role signs in with its
/// demo key, the figures on every page match the API, an alert is acknowledged and a poisoned message replayed through
/// the forms, and no role reaches another party's pages or data, direct URLs included. Screenshots of each page go to
/// tests/artifacts/screenshots.
/// </summary>
public sealed class DashboardBrowserTests(DemoDashboard demo) : IClassFixture<DemoDashboard>
{
    private static readonly string[] Gemeenten = DemoScenario.Gemeenten;
    private static readonly string[] Aanbieders = DemoScenario.Aanbieders;
    private Chromium Browser => demo.Browser;

    private async Task<string> TextAsync(string selector) => await Browser.TextAsync(selector);

    private static int Number(string text) => int.Parse(text.Replace(".", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);

    // Pending at the CAK: a confirmed R1 or an R2. An unconfirmed R1 (no 305 yet) is counted apart.
    private static bool Pending(JsonElement a) => a.GetProperty("rule").GetString() is "R1" or "R2" && a.GetProperty("status").GetString() != "resolved"
        && !a.GetProperty("unconfirmed").GetBoolean();

    private static bool Predicted(JsonElement a) => a.GetProperty("rule").GetString() == "R1" && a.GetProperty("status").GetString() != "resolved"
        && a.GetProperty("unconfirmed").GetBoolean();

    [Fact]
    public async Task The_CAK_liaison_sees_every_demo_gemeente_with_the_backlog_figures_of_the_API()
    {
        await Browser.ClearCookiesAsync(); // the browser is shared by the class's tests
        await Browser.GoAsync(demo.Url("/dashboard"));
        Assert.Equal("/dashboard/inloggen", await Browser.UrlAsync()); // not signed in
        await Browser.SubmitAsync("form", new Dictionary<string, string> { ["sleutel"] = "not-a-key" });
        Assert.Contains("onbekend", await TextAsync("[role=alert]"), StringComparison.Ordinal);

        await demo.SignInAsync(DemoDashboard.LiaisonKey);
        Assert.Equal("/dashboard", await Browser.UrlAsync());
        await Browser.ScreenshotAsync("achterstand-cak-liaison");
        var alerts = await demo.AlertsAsync(DemoDashboard.LiaisonKey);
        var totalPersons = 0;
        foreach (var gemeente in Gemeenten)
        {
            var pending = alerts.Where(a => a.GetProperty("gemeente").GetString() == gemeente && Pending(a)).ToList();
            var persons = pending.GroupBy(a => a.GetProperty("persoon").GetString()).ToList();
            var cents = persons.Sum(p => p.Where(a => a.GetProperty("rule").GetString() == "R1").Select(a => a.GetProperty("amountAtRiskCents").GetInt64()).DefaultIfEmpty(0).Max());
            var rejections = alerts.Count(a => a.GetProperty("gemeente").GetString() == gemeente && a.GetProperty("rule").GetString() == "R4" && a.GetProperty("status").GetString() != "resolved");
            Assert.Equal(persons.Count, Number(await TextAsync($"tr[data-gemeente='{gemeente}'] [data-field=personen]")));
            Assert.Equal("€ " + Wmo.Hub.Detection.Scanner.Euro(cents), await TextAsync($"tr[data-gemeente='{gemeente}'] [data-field=bedrag]"));
            Assert.Equal(rejections, Number(await TextAsync($"tr[data-gemeente='{gemeente}'] [data-field=afwijzingen]")));
            var predicted = alerts.Where(a => a.GetProperty("gemeente").GetString() == gemeente && Predicted(a))
                .Select(a => a.GetProperty("persoon").GetString()).Where(p => persons.All(q => q.Key != p)).Distinct().Count();
            Assert.Equal(predicted, Number((await TextAsync($"tr[data-gemeente='{gemeente}'] [data-field=voorspeld]")).Split(' ')[0]));
            totalPersons += persons.Count;
        }

        Assert.True(totalPersons > 0, "the demo's rejected clients are pending at the CAK");
        Assert.Contains("Stand van", await TextAsync("p.stand"), StringComparison.Ordinal);
        Assert.Equal(3, await demo.CountAsync("svg.trend"));

        // The alert list shows what the API gives this role, and every rule of the demo fired.
        await Browser.GoAsync(demo.Url("/dashboard/signalen"));
        // Across gemeenten: the open ones, most urgent first, pages of 200 (resolved ones under status "opgelost").
        var open = alerts.Where(a => a.GetProperty("status").GetString() != "resolved").ToList();
        Assert.Equal(Math.Min(200, open.Count), await demo.CountAsync("tr[data-alert]"));
        var shown = await demo.TextsAsync("tr[data-alert]", "e.getAttribute('data-alert')");
        var critical = open.Where(a => a.GetProperty("severity").GetString() == "critical").Select(a => a.GetProperty("id").GetString()).ToHashSet();
        Assert.All(shown.Take(critical.Count), id => Assert.Contains(id, critical)); // critical ones first
        await Browser.ScreenshotAsync("signalen-cak-liaison");
        var rules = alerts.Select(a => a.GetProperty("rule").GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "R1", "R2", "R3-305", "R3-305-laat", "R3-307", "R3-307-laat", "R3-315", "R3-retour", "R3-325", "R4", "R5", "R6", "R7", "R8" }, rules);

        // Any gemeente's client, with the eigen bijdrage; lead times over every gemeente as the API gives them; the
        // messages the CAK sent or received, and no other.
        var person = alerts.First(a => a.GetProperty("rule").GetString() == "R1" && !a.GetProperty("unconfirmed").GetBoolean()).GetProperty("persoon").GetString()!;
        await Browser.GoAsync(demo.Url($"/dashboard/traject/{person}"));
        Assert.Equal(1, await demo.CountAsync("table.perioden"));
        Assert.True(await demo.CountAsync("li[data-bericht=WMO305]") >= 1);
        await Browser.ScreenshotAsync("traject-cak-liaison");
        await Browser.GoAsync(demo.Url("/dashboard/levertijden"));
        var (_, leadTimes) = await demo.Hub.GetJsonAsync(DemoDashboard.LiaisonKey, "/api/levertijden");
        foreach (var item in leadTimes.GetProperty("items").EnumerateArray())
        {
            Assert.Equal(item.GetProperty("starts").GetInt32(), Number(await TextAsync($"table.levertijden:first-of-type tr[data-aanbieder='{item.GetProperty("aanbieder").GetString()}'] [data-field=starts]")));
        }

        Assert.Equal(4, await demo.CountAsync("table.levertijden:first-of-type tbody tr[data-aanbieder]"));
        await Browser.ScreenshotAsync("levertijden-cak-liaison");
        await Browser.GoAsync(demo.Url($"/dashboard/berichten?partij={Gemeenten[0]}&van={DemoScenario.FirstDay(demo.Today):yyyy-MM-dd}"));
        var berichten = await demo.TextsAsync("tr[data-bericht]", "e.children[1].innerText");
        Assert.NotEmpty(berichten);
        Assert.All(berichten, b => Assert.Contains(b, new[] { "WMO405", "WMO406" }));
        await Browser.ScreenshotAsync("berichten-cak-liaison");
    }

    [Fact]
    public async Task A_gemeente_sees_only_itself_follows_an_alert_to_the_clients_timeline_and_acknowledges_it_through_the_form()
    {
        var gemeente = Gemeenten[1];
        var key = DemoDashboard.KeyFor(gemeente);
        await demo.SignInAsync(key);
        Assert.Equal(1, await demo.CountAsync("tr[data-gemeente]"));
        Assert.Equal(1, await demo.CountAsync($"tr[data-gemeente='{gemeente}']"));
        await Browser.ScreenshotAsync("achterstand-gemeente");

        var alerts = await demo.AlertsAsync(key);
        await Browser.GoAsync(demo.Url("/dashboard/signalen"));
        Assert.Equal(alerts.Count, await demo.CountAsync("tr[data-alert]"));
        await Browser.ScreenshotAsync("signalen-gemeente");

        // A rejected client's chain: the messages, the periods the CAK refused, and the rules that fired.
        var rejected = alerts.First(a => a.GetProperty("rule").GetString() == "R4");
        var person = rejected.GetProperty("persoon").GetString()!;
        await Browser.GoAsync(demo.Url($"/dashboard/traject/{person}"));
        Assert.True(await demo.CountAsync("li[data-bericht=WMO301]") >= 1);
        Assert.True(await demo.CountAsync("li[data-bericht=WMO406]") >= 1);
        Assert.Contains("afgewezen", await TextAsync("tr[data-periode] [data-field=cak]"), StringComparison.Ordinal);
        Assert.Equal(alerts.Count(a => a.GetProperty("persoon").GetString() == person), await demo.CountAsync("li[data-alert]"));
        Assert.Equal(1, await demo.CountAsync("svg.tijdlijn"));
        await Browser.ScreenshotAsync("traject-gemeente");

        // Acknowledged through the form, as the API then shows.
        var target = rejected.GetProperty("id").GetString()!;
        await Browser.GoAsync(demo.Url("/dashboard/signalen?regel=R4"));
        await Browser.SubmitAsync($"tr[data-alert='{target}'] form", new Dictionary<string, string> { ["notitie"] = "CAK gebeld: persoon wordt ingeschreven." });
        var acknowledged = (await demo.AlertsAsync(key)).Single(a => a.GetProperty("id").GetString() == target);
        Assert.Equal(("acknowledged", "CAK gebeld: persoon wordt ingeschreven."), (acknowledged.GetProperty("status").GetString(), acknowledged.GetProperty("note").GetString()));
        Assert.Contains("in behandeling", await TextAsync($"tr[data-alert='{target}'] [data-field=status]"), StringComparison.Ordinal);
        // Closed by hand with a note: resolved, with who closed it and why.
        var closed = alerts.First(a => a.GetProperty("rule").GetString() == "R3-retour" || a.GetProperty("rule").GetString() == "R7").GetProperty("id").GetString()!;
        await Browser.GoAsync(demo.Url("/dashboard/signalen"));
        await Browser.SubmitAsync($"tr[data-alert='{closed}'] form", new Dictionary<string, string> { ["notitie"] = "Retour telefonisch ontvangen.", ["afhandeling"] = "opgelost" });
        var resolved = (await demo.AlertsAsync(key)).Single(a => a.GetProperty("id").GetString() == closed);
        Assert.Equal("resolved", resolved.GetProperty("status").GetString());
        Assert.Contains("Retour telefonisch ontvangen.", resolved.GetProperty("resolution").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await demo.CountAsync($"tr[data-alert='{closed}'] form"));

        var csv = (await Browser.EvalAsync("fetch('/dashboard/signalen.csv?regel=R4').then(r => r.text())"))!.GetValue<string>();
        Assert.Equal(alerts.Count(a => a.GetProperty("rule").GetString() == "R4") + 1, csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);

        // Another gemeente's client and data stay out of reach, by direct URL too.
        var foreign = (await demo.AlertsAsync(DemoDashboard.LiaisonKey)).First(a => a.GetProperty("gemeente").GetString() == Gemeenten[0] && a.GetProperty("persoon").ValueKind == JsonValueKind.String);
        Assert.Equal(404, await demo.StatusAsync($"/dashboard/traject/{foreign.GetProperty("persoon").GetString()}"));
        Assert.Equal(0, (await demo.AlertsAsync(key)).Count(a => a.GetProperty("gemeente").GetString() != gemeente));
        await Browser.GoAsync(demo.Url($"/dashboard/signalen?gemeente={Gemeenten[0]}"));
        var shown = await demo.TextsAsync("tr[data-alert] td:nth-child(3)");
        Assert.Equal(alerts.Count, shown.Count); // the filter cannot widen the scope: still this gemeente's alerts
        Assert.All(shown, g => Assert.Equal(gemeente, g));
        Assert.Equal(403, await demo.StatusAsync("/dashboard/berichten/poison"));
    }

    [Fact]
    public async Task Lead_times_match_the_API_per_supplier_and_the_monthly_report_prints_with_its_CSV_and_a_supplier_sees_only_its_own()
    {
        var gemeente = Gemeenten[0];
        var key = DemoDashboard.KeyFor(gemeente);
        await demo.SignInAsync(key);
        await Browser.GoAsync(demo.Url("/dashboard/levertijden"));
        await Browser.ScreenshotAsync("levertijden-gemeente");
        var (status, api) = await demo.Hub.GetJsonAsync(key, "/api/levertijden");
        Assert.Equal(HttpStatusCode.OK, status);
        var items = api.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(4, items.Count);
        foreach (var item in items)
        {
            var row = $"table.levertijden:first-of-type tr[data-aanbieder='{item.GetProperty("aanbieder").GetString()}']";
            Assert.Equal(item.GetProperty("starts").GetInt32(), Number(await TextAsync(row + " [data-field=starts]")));
            Assert.Equal(item.GetProperty("p90TotStart").GetInt32(), Number(await TextAsync(row + " [data-field=p90]")));
            Assert.Equal(item.GetProperty("mediaanTotStart").GetDouble().ToString("0.#", new NumberFormatInfo { NumberDecimalSeparator = "," }), await TextAsync(row + " [data-field=mediaan]"));
        }

        // The demo's slow starter takes longer than its prompt one; the late reporter reports later than it starts.
        double Median(string aanbieder, string field) => items.Single(i => i.GetProperty("aanbieder").GetString() == aanbieder).GetProperty(field).GetDouble();
        Assert.True(Median(Aanbieders[1], "mediaanTotStart") > Median(Aanbieders[0], "mediaanTotStart") + 5);
        Assert.True(Median(Aanbieders[2], "mediaanTotMelding") > Median(Aanbieders[2], "mediaanTotStart") + 5);

        // The latest month with starts of the late reporter: its report is printable, with the API's count and the
        // same rows as its CSV.
        var month = new DateOnly(demo.Today.Year, demo.Today.Month, 1);
        int expected;
        while (true)
        {
            var (_, monthly) = await demo.Hub.GetJsonAsync(key, $"/api/levertijden?aanbieder={Aanbieders[2]}&van={month:yyyy-MM-dd}&tot={month.AddMonths(1).AddDays(-1):yyyy-MM-dd}");
            expected = monthly.GetProperty("items").EnumerateArray().Sum(i => i.GetProperty("starts").GetInt32());
            if (expected > 0 || month < DemoScenario.FirstDay(demo.Today))
            {
                break;
            }

            month = month.AddMonths(-1);
        }

        await Browser.GoAsync(demo.Url($"/dashboard/levertijden/rapport?aanbieder={Aanbieders[2]}&maand={month:yyyy-MM}"));
        await Browser.ScreenshotAsync("levertijden-maandrapport");
        var starts = await demo.CountAsync("table.starts tbody tr");
        Assert.True(starts > 0);
        Assert.Equal(expected, starts);
        var csv = (await Browser.EvalAsync($"fetch('/dashboard/levertijden/rapport.csv?aanbieder={Aanbieders[2]}&maand={month:yyyy-MM}').then(r => r.text())"))!.GetValue<string>();
        Assert.Equal(starts + 1, csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.All(csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1), line => Assert.StartsWith(gemeente + ";" + Aanbieders[2] + ";", line, StringComparison.Ordinal));

        // A supplier sees its own lead times only, whatever the URL asks for.
        await demo.SignInAsync(DemoDashboard.KeyFor(Aanbieders[1]));
        await Browser.GoAsync(demo.Url($"/dashboard/levertijden?aanbieder={Aanbieders[0]}"));
        Assert.Equal(1, await demo.CountAsync("table.levertijden:first-of-type tbody tr[data-aanbieder]"));
        Assert.Equal(1, await demo.CountAsync($"table.levertijden:first-of-type tr[data-aanbieder='{Aanbieders[1]}']"));
        await Browser.ScreenshotAsync("levertijden-aanbieder");
    }

    [Fact]
    public async Task A_supplier_sees_its_own_alerts_timelines_and_messages_and_nothing_else()
    {
        var aanbieder = Aanbieders[3];
        var key = DemoDashboard.KeyFor(aanbieder);
        await demo.SignInAsync(key);
        Assert.Equal("/dashboard/signalen", await Browser.UrlAsync()); // suppliers have no CAK backlog
        var own = await demo.AlertsAsync(key);
        Assert.NotEmpty(own);
        Assert.Equal(own.Count, await demo.CountAsync("tr[data-alert]"));
        await Browser.GoAsync(demo.Url($"/dashboard/signalen?aanbieder={Aanbieders[0]}"));
        var shown = string.Join(',', await demo.TextsAsync("tr[data-alert] td:nth-child(4)"));
        Assert.DoesNotContain(Aanbieders[0], shown, StringComparison.Ordinal);
        await Browser.GoAsync(demo.Url("/dashboard/signalen"));
        await Browser.ScreenshotAsync("signalen-aanbieder");

        // Its own client's chain, without the eigen bijdrage; another supplier's client is not found.
        var person = own.First(a => a.GetProperty("persoon").ValueKind == JsonValueKind.String).GetProperty("persoon").GetString()!;
        await Browser.GoAsync(demo.Url($"/dashboard/traject/{person}"));
        Assert.True(await demo.CountAsync("li[data-bericht=WMO301]") >= 1);
        Assert.Equal(0, await demo.CountAsync("table.perioden"));
        Assert.Equal(0, await demo.CountAsync("li[data-bericht=WMO406]"));
        await Browser.ScreenshotAsync("traject-aanbieder");
        var foreign = (await demo.AlertsAsync(DemoDashboard.KeyFor(Aanbieders[0]))).First(a => a.GetProperty("persoon").ValueKind == JsonValueKind.String);
        Assert.Equal(404, await demo.StatusAsync($"/dashboard/traject/{foreign.GetProperty("persoon").GetString()}"));

        // Messages: only those it sent or received; another party's message is not found; no poison list.
        await Browser.GoAsync(demo.Url($"/dashboard/berichten?van={DemoScenario.FirstDay(demo.Today):yyyy-MM-dd}&partij={Aanbieders[0]}"));
        await Browser.ScreenshotAsync("berichten-aanbieder");
        var parties = await demo.TextsAsync("tr[data-bericht]", "e.children[2].innerText + '>' + e.children[3].innerText");
        Assert.NotEmpty(parties);
        Assert.All(parties, p => Assert.Contains(aanbieder, p, StringComparison.Ordinal));
        var (_, mailbox) = await demo.Hub.GetJsonAsync(DemoDashboard.KeyFor(Aanbieders[0]), "/api/mailbox?pageSize=1");
        var othersMessage = mailbox.GetProperty("items")[0].GetProperty("id").GetString()!;
        Assert.Equal(404, await demo.StatusAsync($"/dashboard/berichten/{othersMessage}"));
        Assert.Equal(403, await demo.StatusAsync("/dashboard/berichten/poison"));
        Assert.Equal(302, await demo.StatusAsync("/dashboard")); // to its alerts
    }

    [Fact]
    public async Task The_admin_searches_messages_by_party_type_and_status_and_replays_the_poisoned_message_through_the_form()
    {
        await demo.SignInAsync(DemoDashboard.AdminKey);
        var from = DemoScenario.FirstDay(demo.Today);
        await Browser.GoAsync(demo.Url($"/dashboard/berichten?partij={Gemeenten[2]}&type=WMO301&van={from:yyyy-MM-dd}"));
        await Browser.ScreenshotAsync("berichten-beheer");
        var rows = await demo.TextsAsync("tr[data-bericht]", "e.children[1].innerText + ' ' + e.children[2].innerText");
        Assert.InRange(rows.Count, 10, 50);
        Assert.All(rows, r => Assert.Equal("WMO301 " + Gemeenten[2], r));
        await Browser.GoAsync(demo.Url($"/dashboard/berichten?partij={Gemeenten[2]}&type=WMO301&van={from:yyyy-MM-dd}&status=answered"));
        var answered = await demo.TextsAsync("tr[data-bericht] [data-field=status]");
        Assert.NotEmpty(answered);
        Assert.All(answered, s => Assert.Equal("beantwoord", s));
        Assert.True(answered.Count < rows.Count || rows.Count == 50, "a few toewijzingen never get their retour in the demo");

        // One message's history, as the API gives it.
        var id = (await Browser.EvalAsync("document.querySelector('tr[data-bericht]').dataset.bericht"))!.GetValue<string>();
        await Browser.GoAsync(demo.Url($"/dashboard/berichten/{id}"));
        var (_, history) = await demo.Hub.GetJsonAsync(DemoDashboard.AdminKey, $"/api/berichten/{id}");
        Assert.Equal(history.GetProperty("history").GetArrayLength(), await demo.CountAsync("tr[data-status]"));

        // The poisoned message: listed with its reason, replayed once through the form.
        await Browser.GoAsync(demo.Url("/dashboard/berichten/poison"));
        Assert.Equal(1, await demo.CountAsync("tr[data-poison]"));
        Assert.Contains("archive", await TextAsync("tr[data-poison] td:nth-child(4)"), StringComparison.OrdinalIgnoreCase);
        await Browser.ScreenshotAsync("vastgelopen-beheer");
        await Browser.SubmitAsync("tr[data-poison] form", new Dictionary<string, string>());
        Assert.Equal("/dashboard/berichten/poison", await Browser.UrlAsync());

        // Its XML is still missing, so the replay fails again and the message is listed again, poisoned twice.
        await DemoDashboard.WaitForAsync(async () => (await demo.Hub.GetJsonAsync(DemoDashboard.AdminKey, "/api/admin/poison")).Body[0].GetProperty("poisonings").GetInt32() == 2);
        await Browser.GoAsync(demo.Url("/dashboard/berichten/poison"));
        Assert.Equal("2", await TextAsync("tr[data-poison] td:nth-child(5)"));
    }
}
