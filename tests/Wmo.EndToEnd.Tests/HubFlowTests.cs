using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Wmo.AzureStorage;
using Wmo.Hub;
using Wmo.Hub.Chain;
using Wmo.Messages;
using Wmo.Messages.Model;
using Wmo.Messages.Retour;
using Wmo.Testing;

namespace Wmo.EndToEnd.Tests;

/// <summary>One host for the hub tests, with a gemeente and two aanbieders of its own and the official examples' parties.</summary>
public sealed class HubHostFixture : IAsyncLifetime
{
    public const string Secret = HostProcess.PersonKeySecret;

    public AzuriteFixture Azurite { get; } = new();

    public HttpClient Http { get; } = new();

    internal HostProcess? Host { get; private set; }

    public string Gemeente { get; } = Random.Shared.Next(1000, 9999).ToString(CultureInfo.InvariantCulture);

    public string Aanbieder { get; } = Random.Shared.Next(10_000_000, 99_999_999).ToString(CultureInfo.InvariantCulture);

    public string Other { get; } = Random.Shared.Next(10_000_000, 99_999_999).ToString(CultureInfo.InvariantCulture);

    public string GemeenteKey => $"e2e-gemeente-{Gemeente}-key-0000";

    public string AanbiederKey => $"e2e-aanbieder-{Aanbieder}-key";

    public string OtherKey => $"e2e-aanbieder-{Other}-key";

    public string AdminKey => "e2e-hubflow-admin-key-0";

    public static readonly Dictionary<string, string> ExampleKeys = new()
    {
        ["0384"] = "e2e-example-0384-key-000", ["0363"] = "e2e-example-0363-key-000",
        ["42420001"] = "e2e-example-42420001-key", ["65656055"] = "e2e-example-65656055-key",
    };

    public async Task InitializeAsync()
    {
        await Azurite.InitializeAsync();
        var port = AzuriteFixture.FreePort();
        Http.BaseAddress = new Uri($"http://127.0.0.1:{port}");
        var keys = $"{Gemeente}:Gemeente:{GemeenteKey};{Aanbieder}:Aanbieder:{AanbiederKey};{Other}:Aanbieder:{OtherKey};ops:Admin:{AdminKey};"
            + string.Join(';', ExampleKeys.Select(k => $"{k.Key}:{(k.Key.Length == 4 ? "Gemeente" : "Aanbieder")}:{k.Value}"));
        Host = await HostProcess.StartWmoHostAsync(Azurite.ConnectionString, port, new Dictionary<string, string>
        {
            ["Hub__ApiKeys"] = keys,
        });
        await Host.WaitForOutputAsync($"API key registered for {Other}", TimeSpan.FromSeconds(30));
    }

    public Task DisposeAsync()
    {
        Host?.Dispose();
        Http.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>
/// The hub end to end: the host process and Azurite, parties posting and reading over HTTP as their systems would.
/// Each test plays its own client (its own BSN), and finds its messages by id.
/// </summary>
public sealed class HubFlowTests(HubHostFixture fixture) : IClassFixture<HubHostFixture>
{
    private const string Secret = HubHostFixture.Secret;
    private static readonly SchemaRegistry Schemas = SchemaRegistry.Load();
    private static readonly Dictionary<string, string> ExampleKeys = HubHostFixture.ExampleKeys;
    private readonly AzuriteFixture _azurite = fixture.Azurite;
    private readonly HubClient _hub = new(fixture.Http);
    private readonly string _gemeente = fixture.Gemeente;
    private readonly string _aanbieder = fixture.Aanbieder;
    private readonly DateOnly _today = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1);

    private string GemeenteKey => fixture.GemeenteKey;

    private string AanbiederKey => fixture.AanbiederKey;

    private string OtherKey => fixture.OtherKey;

    private ChainMessages Chain() => new(_gemeente, _aanbieder, ChainMessages.RandomBsn(), _today);

    private LedgerStore Ledger(StorageClients storage) => new(storage, Secret);

    private static string Example(string name) =>
        File.ReadAllText(Path.Combine(RepoPaths.Root, "..", "shared", "reference", "iwmo-3.2", "examples", name + ".xml"));

    [Theory]
    [InlineData("WMO301", "0384", "42420001")]
    [InlineData("WMO305", "65656055", "0363")]
    [InlineData("WMO307", "65656055", "0363")]
    [InlineData("WMO315", "42420001", "0384")]
    [InlineData("WMO317", "65656055", "0384")]
    [InlineData("WMO319", "0384", "65656055")]
    [InlineData("WMO323", "65656055", "0384")]
    public async Task Every_official_example_posted_by_its_sender_ends_in_the_addressees_mailbox_and_the_ledger(string example, string sender, string addressee)
    {
        var xml = Example(example);
        var start = xml.IndexOf(":Identificatie>", StringComparison.Ordinal) + ":Identificatie>".Length;
        xml = xml[..start] + Guid.NewGuid().ToString("N")[..12] + xml[xml.IndexOf('<', start)..];
        var message = IwmoXml.Read(System.Xml.Linq.XDocument.Parse(xml));

        var posted = await _hub.PostAsync(ExampleKeys[sender], Encoding.UTF8.GetBytes(xml));

        Assert.Equal(HttpStatusCode.Accepted, posted.Status);
        var item = await _hub.WaitForMessageAsync(ExampleKeys[addressee], posted.Id);
        Assert.Equal(example, item.GetProperty("bericht").GetString());
        Assert.Equal(sender, item.GetProperty("van").GetString());
        var storage = _azurite.CreateClient();
        var gemeente = Routing.Gemeente(message);
        foreach (var bsn in Routing.Bsns(message))
        {
            var entries = await Ledger(storage).EntriesAsync(Ledger(storage).PersonId(gemeente, bsn));
            Assert.Single(entries, e => e.MessageId == posted.Id);
        }

        var (status, history) = await _hub.GetJsonAsync(ExampleKeys[sender], $"/api/berichten/{posted.Id}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(history.GetProperty("history").EnumerateArray(), s => s.GetProperty("status").GetString() == "delivered");
    }

    [Fact]
    public async Task A_chain_from_aanvraag_to_declaratie_antwoord_is_routed_answered_and_recorded_per_person()
    {
        var chain = Chain();
        var aanvraag = await _hub.AcceptedAsync(AanbiederKey, chain.Aanvraag("REF-" + chain.Bsn));
        var toewijzing = await _hub.AcceptedAsync(GemeenteKey, chain.Toewijzing(8001));
        await _hub.WaitForMessageAsync(AanbiederKey, toewijzing);
        var startMessage = chain.Start(8001, _today.AddDays(-6));
        var start = await _hub.AcceptedAsync(AanbiederKey, startMessage);
        await _hub.WaitForMessageAsync(GemeenteKey, start);
        var retour = new RetourWriter(Schemas).Write(IwmoXml.Write(startMessage), RetourVerdict.Approved, "R" + chain.Bsn[..8], _today);
        var retourPosted = await _hub.PostAsync(GemeenteKey, Encoding.UTF8.GetBytes(retour.Declaration + retour.ToString()));
        var stop = await _hub.AcceptedAsync(AanbiederKey, chain.Stop(8001, _today.AddDays(-6), _today.AddDays(-1)));
        await _hub.WaitForMessageAsync(GemeenteKey, stop);
        var declaratieMessage = chain.Declaratie(8001, _today.AddDays(-6), _today.AddDays(-1));
        var declaratie = await _hub.AcceptedAsync(AanbiederKey, declaratieMessage);
        await _hub.WaitForMessageAsync(GemeenteKey, declaratie);
        var antwoord = DeclaratieAntwoordWriter.Answer(declaratieMessage, RetourVerdict.Approved, "A" + chain.Bsn[..8], _today);
        var antwoordId = await _hub.AcceptedAsync(GemeenteKey, antwoord);

        var antwoordItem = await _hub.WaitForMessageAsync(AanbiederKey, antwoordId);
        Assert.Equal(declaratie, antwoordItem.GetProperty("answers").GetGuid());
        Assert.Equal(HttpStatusCode.Accepted, retourPosted.Status);
        Assert.Equal(start, (await _hub.WaitForMessageAsync(AanbiederKey, retourPosted.Id)).GetProperty("answers").GetGuid());
        await _hub.WaitForMessageAsync(GemeenteKey, aanvraag);
        var (_, history) = await _hub.GetJsonAsync(AanbiederKey, $"/api/berichten/{declaratie}");
        Assert.Contains(history.GetProperty("links").EnumerateArray(), l => l.GetProperty("id").GetGuid() == antwoordId && l.GetProperty("relation").GetString() == "answered-by");
        Assert.Equal("answered", history.GetProperty("status").GetString());

        var storage = _azurite.CreateClient();
        var ledger = Ledger(storage);
        var person = ledger.PersonId(_gemeente, chain.Bsn);
        var kinds = (await ledger.EntriesAsync(person)).SelectMany(e => e.Events).Select(e => e.Kind).ToList();
        Assert.Equal([LedgerEventKinds.Aanvraag, LedgerEventKinds.Toewijzing, LedgerEventKinds.Start, LedgerEventKinds.Retour, LedgerEventKinds.Stop,
            LedgerEventKinds.Declaratie, LedgerEventKinds.DeclaratieAntwoord], kinds);
        Assert.All((await ledger.EntriesAsync(person)).SelectMany(e => e.Findings), f => Assert.Fail($"unexpected finding {f}"));
    }

    /// <summary>
    /// The admin reads what each function sent to storage (README "Storage budget"): a toewijzing's intake archives,
    /// registers and queues it; routing takes the XML from the queue message (no archive read) and delivers it.
    /// </summary>
    [Fact]
    public async Task The_storage_meter_shows_per_function_what_intake_and_routing_of_a_message_sent_to_storage()
    {
        async Task<Dictionary<string, long>> MeterAsync()
        {
            var (status, body) = await _hub.GetJsonAsync(fixture.AdminKey, "/api/admin/storage-operations");
            Assert.Equal(HttpStatusCode.OK, status);
            return body.GetProperty("operations").EnumerateArray().ToDictionary(
                o => string.Join(' ', o.GetProperty("phase").GetString(), o.GetProperty("service").GetString(), o.GetProperty("operation").GetString(), o.GetProperty("resource").GetString()),
                o => o.GetProperty("count").GetInt64());
        }

        var before = await MeterAsync();
        var id = await _hub.AcceptedAsync(GemeenteKey, Chain().Toewijzing(8101));
        await _hub.WaitForMessageAsync(AanbiederKey, id);
        var after = await MeterAsync();
        long Sent(string kind) => after.GetValueOrDefault(kind) - before.GetValueOrDefault(kind);

        Assert.True(Sent("PostBericht blob put berichten") >= 1);
        Assert.True(Sent("PostBericht queue send berichten-in") >= 1);
        Assert.True(Sent("PostBericht table batch berichten") >= 1);
        Assert.True(Sent("RouteBericht queue delete berichten-in") >= 1);
        Assert.True(Sent("RouteBericht table batch postbus") >= 1);
        Assert.True(Sent("RouteBericht table batch ketens") >= 1);
        Assert.Equal(0, Sent("RouteBericht blob get berichten"));
        var (_, denied) = await _hub.GetJsonAsync(GemeenteKey, "/api/admin/storage-operations");
        Assert.Equal(403, denied.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task A_correction_deletes_the_start_and_sends_it_again_without_any_retour_from_the_hub()
    {
        var chain = Chain();
        await _hub.WaitForMessageAsync(AanbiederKey, await _hub.AcceptedAsync(GemeenteKey, chain.Toewijzing(8002)));
        var first = await _hub.AcceptedAsync(AanbiederKey, chain.Start(8002, _today.AddDays(-6)));
        await _hub.WaitForMessageAsync(GemeenteKey, first);

        var correction = await _hub.AcceptedAsync(AanbiederKey, chain.Starts(
            new StartProduct(8002, new Product("02", null), null, _today.AddDays(-6), "3"),
            new StartProduct(8002, new Product("02", null), null, _today.AddDays(-4), "1")));
        await _hub.WaitForMessageAsync(GemeenteKey, correction);

        var storage = _azurite.CreateClient();
        var state = (await Ledger(storage).GetStateAsync(Ledger(storage).PersonId(_gemeente, chain.Bsn)))!;
        Assert.Equal(_today.AddDays(-4), Assert.Single(state.CurrentStarts(8002)).Begindatum);
        Assert.DoesNotContain(await _hub.MailboxAsync(AanbiederKey), i => i.GetProperty("van").GetString() == "hub"
            && i.GetProperty("answers").ValueKind == JsonValueKind.String && i.GetProperty("answers").GetGuid() == correction);
    }

    [Fact]
    public async Task A_stop_without_a_start_is_answered_by_the_hub_with_9069_and_still_reaches_the_gemeente()
    {
        var chain = Chain();
        await _hub.WaitForMessageAsync(AanbiederKey, await _hub.AcceptedAsync(GemeenteKey, chain.Toewijzing(8003)));

        var stop = await _hub.AcceptedAsync(AanbiederKey, chain.Stop(8003, _today.AddDays(-6), _today.AddDays(-1)));

        var retour = await _hub.WaitForHubRetourAsync(AanbiederKey, stop);
        Assert.Equal("WMO308", retour.GetProperty("bericht").GetString());
        var (status, xml) = await _hub.GetTextAsync(AanbiederKey, $"/api/mailbox/{retour.GetProperty("id").GetGuid()}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("<wmo308:RetourCode>9069</wmo308:RetourCode>", xml, StringComparison.Ordinal);
        Assert.True(new MessageValidator(Schemas).Validate(xml).IsValid);
        var delivered = await _hub.WaitForMessageAsync(GemeenteKey, stop);
        Assert.Equal(["9069"], delivered.GetProperty("hubRetourCodes").EnumerateArray().Select(c => c.GetString()));
    }

    [Fact]
    public async Task A_start_on_a_toewijzing_the_hub_never_saw_is_answered_with_9019()
    {
        var chain = Chain();

        var start = await _hub.AcceptedAsync(AanbiederKey, chain.Start(8004, _today.AddDays(-6)));

        var retour = await _hub.WaitForHubRetourAsync(AanbiederKey, start);
        Assert.Equal("WMO306", retour.GetProperty("bericht").GetString());
        var (_, xml) = await _hub.GetTextAsync(AanbiederKey, $"/api/mailbox/{retour.GetProperty("id").GetGuid()}");
        Assert.Contains("<wmo306:RetourCode>9019</wmo306:RetourCode>", xml, StringComparison.Ordinal);
        var (_, history) = await _hub.GetJsonAsync(AanbiederKey, $"/api/berichten/{start}");
        Assert.Contains(history.GetProperty("history").EnumerateArray(), s => s.GetProperty("status").GetString() == "rejected");
    }

    [Fact]
    public async Task A_duplicate_post_is_409_with_the_original_id_and_is_routed_once()
    {
        var chain = Chain();
        await _hub.WaitForMessageAsync(AanbiederKey, await _hub.AcceptedAsync(GemeenteKey, chain.Toewijzing(8005)));
        var xml = ChainMessages.Xml(chain.Start(8005, _today.AddDays(-6)));

        var first = await _hub.PostAsync(AanbiederKey, xml);
        var second = await _hub.PostAsync(AanbiederKey, xml);

        Assert.Equal(HttpStatusCode.Accepted, first.Status);
        Assert.Equal(HttpStatusCode.Conflict, second.Status);
        Assert.Equal(first.Id, second.Id);
        await _hub.WaitForMessageAsync(GemeenteKey, first.Id);
        var storage = _azurite.CreateClient();
        var entries = await Ledger(storage).EntriesAsync(Ledger(storage).PersonId(_gemeente, chain.Bsn));
        Assert.Single(entries, e => e.MessageId == first.Id);
        Assert.Single(await _hub.MailboxAsync(GemeenteKey), i => i.GetProperty("id").GetGuid() == first.Id);
    }

    [Fact]
    public async Task A_party_cannot_send_as_another_or_see_another_partys_messages()
    {
        var chain = Chain();
        var toewijzing = await _hub.AcceptedAsync(GemeenteKey, chain.Toewijzing(8006));
        await _hub.WaitForMessageAsync(AanbiederKey, toewijzing);

        var asOther = await _hub.PostAsync(OtherKey, chain.Start(8006, _today.AddDays(-6)));

        Assert.Equal(HttpStatusCode.Forbidden, asOther.Status);
        Assert.Equal(HttpStatusCode.NotFound, (await _hub.GetTextAsync(OtherKey, $"/api/mailbox/{toewijzing}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await _hub.GetJsonAsync(OtherKey, $"/api/berichten/{toewijzing}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, await _hub.PostEmptyAsync(OtherKey, $"/api/mailbox/{toewijzing}/ack"));
        Assert.DoesNotContain(await _hub.MailboxAsync(OtherKey), i => i.GetProperty("id").GetGuid() == toewijzing);
        Assert.Equal(HttpStatusCode.Forbidden, (await _hub.GetJsonAsync(AanbiederKey, "/api/admin/poison")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _hub.GetJsonAsync("no-such-key-at-all", "/api/mailbox")).Status);
    }

    [Fact]
    public async Task Downloading_and_acknowledging_show_in_the_history_and_move_the_item_behind_unread_ones()
    {
        var chain = Chain();
        var toewijzing = await _hub.AcceptedAsync(GemeenteKey, chain.Toewijzing(8007));
        await _hub.WaitForMessageAsync(AanbiederKey, toewijzing);

        var (status, xml) = await _hub.GetTextAsync(AanbiederKey, $"/api/mailbox/{toewijzing}");
        var ack = await _hub.PostEmptyAsync(AanbiederKey, $"/api/mailbox/{toewijzing}/ack");
        var again = await _hub.PostEmptyAsync(AanbiederKey, $"/api/mailbox/{toewijzing}/ack");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(chain.Bsn, xml, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, ack);
        Assert.Equal(HttpStatusCode.OK, again);
        var (_, unread) = await _hub.GetJsonAsync(AanbiederKey, "/api/mailbox?unread=true&pageSize=500");
        Assert.DoesNotContain(unread.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetGuid() == toewijzing);
        var (_, history) = await _hub.GetJsonAsync(GemeenteKey, $"/api/berichten/{toewijzing}");
        var steps = history.GetProperty("history").EnumerateArray().Select(s => s.GetProperty("status").GetString()).ToList();
        Assert.Equal(["received", "validated", "queued", "routed", "delivered", "downloaded", "acknowledged"], steps);
    }

    [Theory]
    [InlineData("not xml at all")]
    [InlineData("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>")]
    [InlineData("<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><l>&b;</l>")]
    public async Task Malformed_and_hostile_xml_is_400_and_nothing_is_stored(string body)
    {
        var before = await _hub.MailboxAsync(AanbiederKey);
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);

        var posted = await _hub.PostAsync(AanbiederKey, Encoding.UTF8.GetBytes(body));

        Assert.Equal(HttpStatusCode.BadRequest, posted.Status);
        var storage = _azurite.CreateClient();
        var stored = storage.GetTable(Tracking.TableName).QueryAsync(
            TableFilter.And(TableFilter.Equal("Afzender", _aanbieder), $"ReceivedOn ge {TableFilter.DateTimeLiteral(since)}"));
        Assert.False(await stored.AnyAsync());
        Assert.Equal(before.Count, (await _hub.MailboxAsync(AanbiederKey)).Count);
    }

    [Fact]
    public async Task Wmo_send_posts_a_folder_in_order_and_sums_up_accepted_rejected_and_duplicates()
    {
        var chain = Chain();
        var folder = Directory.CreateTempSubdirectory("wmo-send-").FullName;
        try
        {
            var toewijzing = ChainMessages.Xml(chain.Toewijzing(8100));
            await File.WriteAllBytesAsync(Path.Combine(folder, "1-toewijzing.xml"), toewijzing);
            await File.WriteAllBytesAsync(Path.Combine(folder, "2-again.xml"), toewijzing);
            await File.WriteAllTextAsync(Path.Combine(folder, "3-broken.xml"), "<Bericht/>");
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();

            var exit = await Task.Run(() => Wmo.Cli.Cli.Run(["send", folder, "--key", GemeenteKey, "--url", fixture.Http.BaseAddress!.ToString()], stdout, stderr));

            Assert.Equal(1, exit);
            Assert.Contains("3 file(s): 1 accepted, 1 rejected, 1 duplicate(s)", stdout.ToString(), StringComparison.Ordinal);
            Assert.Contains("rejected 3-broken.xml: 400", stdout.ToString(), StringComparison.Ordinal);
            Assert.Contains("3/3", stderr.ToString(), StringComparison.Ordinal);
            var id = Intake.MessageId(_gemeente, IwmoXml.Read(System.Xml.Linq.XDocument.Parse(Encoding.UTF8.GetString(toewijzing))).Header);
            await _hub.WaitForMessageAsync(AanbiederKey, id);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Wmo_scan_travels_to_a_day_after_the_deadline_and_wmo_alerts_shows_the_missing_start_to_the_aanbieder()
    {
        var chain = Chain();
        var toewijzing = await _hub.AcceptedAsync(GemeenteKey, chain.Toewijzing(8200));
        await _hub.WaitForMessageAsync(AanbiederKey, toewijzing);
        var afterDeadline = new Wmo.Hub.Detection.WorkingDays().AddWorkingDays(DateOnly.FromDateTime(DateTime.UtcNow), 6);
        var url = fixture.Http.BaseAddress!.ToString();
        using var scanOut = new StringWriter();
        using var alertsOut = new StringWriter();
        using var errors = new StringWriter();

        var scan = await Task.Run(() => Wmo.Cli.Cli.Run(["scan", "--key", fixture.AdminKey, "--as-of", afterDeadline.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), "--url", url], scanOut, errors));
        var list = await Task.Run(() => Wmo.Cli.Cli.Run(["alerts", "--key", AanbiederKey, "--rule", "R3-305", "--url", url], alertsOut, errors));
        var notAdmin = await Task.Run(() => Wmo.Cli.Cli.Run(["scan", "--key", AanbiederKey, "--url", url], TextWriter.Null, errors));

        Assert.Equal(0, scan);
        Assert.Contains($"scan for {afterDeadline:yyyy-MM-dd}", scanOut.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, list);
        Assert.Contains("Toewijzing 8200 ging in op", alertsOut.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(chain.Bsn, alertsOut.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, notAdmin);
        Assert.Contains("403", errors.ToString(), StringComparison.Ordinal);
    }
}
