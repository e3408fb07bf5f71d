using System.Text.Encodings.Web;
using System.Text.Json;
using System.Xml;
using Wmo.Messages;
using Wmo.Messages.Model;
using Wmo.Messages.Retour;

namespace Wmo.Cli;

/// <summary>The wmo command line. Exit codes: 0 all valid / done, 1 something invalid, 2 usage error.</summary>
public static class Cli
{
    public const int Ok = 0;
    public const int Invalid = 1;
    public const int Usage = 2;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            stdout.WriteLine(HelpText);
            return args.Length == 0 ? Usage : Ok;
        }

        try
        {
            return args[0] switch
            {
                "validate" => Validate(args[1..], stdout, stderr),
                "retour" => Retour(args[1..], stdout, stderr),
                "demo" => Demo(args[1..], stdout, stderr),
                "generate" => Generate(args[1..], stdout),
                "send" => SendCommand.Run(args[1..], stdout, stderr),
                "scan" => HubCommands.Scan(args[1..], stdout, stderr),
                "alerts" => HubCommands.Alerts(args[1..], stdout, stderr),
                _ => UsageError(stderr, $"unknown command '{args[0]}'"),
            };
        }
        catch (UsageException ex)
        {
            return UsageError(stderr, ex.Message);
        }
    }

    private const string HelpText = """
        usage: wmo <command> [options]
          validate [--json] [--schemas DIR] [--max-bytes N] FILE...
              Validates iWmo messages: one line per file, 'FILE: valid WMO305' or 'FILE: invalid' followed by
              each error (layer, code, line:column, location, message). --json prints the same as JSON.
              --schemas DIR validates against another schema folder (e.g. the official XSDs).
              Exit code 0 when every file is valid, 1 when any is invalid, 2 on a usage error.
          retour [--today YYYY-MM-DD] [--gemeenten FILE] [--schemas DIR] FILE
              Prints the retour (WMO302/306/308/316/318/320, or WMO325 for a WMO323) the layer answers to FILE, after
              schema validation and the message rules (dates are judged against --today, default today in the
              Netherlands). --gemeenten FILE (code;naam;geldig_vanaf;geldig_tot, the CBS list) turns on the
              gemeentecode check (S300). A message that fails schema validation gets no retour, as in the chain:
              its errors go to stderr and the exit code is 1.
          send FILE|FOLDER --key KEY [--url http://127.0.0.1:7071]
              Posts a message, or every .xml file of a folder in name order, to the hub's intake as the party the key
              belongs to. Shows progress, then a summary: accepted, rejected (with the reason) and duplicates.
              Exit code 1 when any file was rejected or the hub could not be reached.
          scan --key ADMINKEY [--as-of YYYY-MM-DD] [--url URL]
              Runs the detection scan of a running hub for a day (default today): re-run a missed day, or travel in
              time in a demo. Prints how many deadlines were due and how many alerts were raised and resolved.
          alerts --key KEY [--rule R] [--status S] [--severity S] [--gemeente G] [--aanbieder A] [--owner O] [--url URL]
              Lists the alerts the key may see: severity, status, rule, owner and the explanation (Dutch).
          generate --out DIR [--clients 1000] [--gemeenten 3] [--aanbieders 4] [--late 0.2] [--missing 0.15]
                   [--stops 0.33] [--seed 1] [--today YYYY-MM-DD]
              Writes reproducible synthetic traffic as files, one folder per sender (DIR/0363/…, DIR/65656055/…):
              per client a WMO301, a WMO305 on time, late (--late share) or never (--missing share), and for the
              --stops share a WMO307. Post it with 'wmo send DIR/PARTY --key KEY' (gemeenten first). Same options,
              same files.
          demo --url URL [--clients 240] [--seed 1] [--cak SIMULATOR_URL] [--storage CONN] [--admin-key KEY]
              Plays five months of reproducible traffic between three gemeenten and four aanbieders into a running
              host on a demo clock (Demo__Clock=on, Demo__ClockStart 150 days back; ./wmo run does this): day by day
              it moves the clock, posts the messages with the demo keys of local.settings.sample.json, lets routing
              and the CAK leg (--cak: the simulator, to wait for its answers) settle and runs the day's scan. Every
              detection rule fires at least once; --storage also puts an unreadable message on the routing queue
              (a poisoned message). Without a demo clock it posts simpler traffic as of today. Loading again is
              harmless: every message is a duplicate (409) the second time.
          demo --cak-reject [--clients 240] [--seed 1]
              Prints the demo clients the CAK does not know, as the simulator's CakSim__Reject setting.
        """;

    private static int Retour(string[] args, TextWriter stdout, TextWriter stderr)
    {
        string? schemas = null;
        DateOnly? today = null;
        GemeenteCodes? gemeenten = null;
        var files = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--schemas":
                    schemas = Value(args, ref i);
                    break;
                case "--today":
                    today = DateOnly.TryParseExact(Value(args, ref i), "yyyy-MM-dd", out var d) ? d : throw new UsageException("--today takes a date as YYYY-MM-DD");
                    break;
                case "--gemeenten":
                    var list = Value(args, ref i);
                    try
                    {
                        gemeenten = GemeenteCodes.Load(list);
                    }
                    catch (Exception ex) when (ex is IOException or FormatException)
                    {
                        throw new UsageException($"cannot load gemeentecodes: {ex.Message}");
                    }

                    break;
                case var flag when flag.StartsWith("--", StringComparison.Ordinal):
                    throw new UsageException($"unknown option '{flag}'");
                default:
                    files.Add(args[i]);
                    break;
            }
        }

        if (files.Count != 1)
        {
            throw new UsageException("retour needs exactly one FILE");
        }

        if (!File.Exists(files[0]))
        {
            throw new UsageException("no such file: " + files[0]);
        }

        var registry = LoadSchemas(schemas);
        var bytes = File.ReadAllBytes(files[0]);
        var validation = new MessageValidator(registry).Validate(bytes);
        if (!validation.IsValid)
        {
            stderr.WriteLine($"{files[0]}: invalid; the chain answers no retour to a message that fails schema validation:");
            foreach (var error in validation.Errors)
            {
                stderr.WriteLine("  " + error);
            }

            return Invalid;
        }

        if (validation.MessageType is not { } type || MessageCatalog.AnswerTo(type) is null)
        {
            throw new UsageException($"{validation.MessageType} is itself an answer; nothing answers it");
        }

        var doc = IwmoXml.Load(bytes);
        var message = IwmoXml.Read(doc);
        var date = today ?? DutchToday();
        var verdict = MessageRules.Evaluate(message, date, gemeenten);
        var identificatie = RetourWriter.IdentificatieFor(message.Header);
        var retour = message is Wmo323 declaratie
            ? IwmoXml.Write(DeclaratieAntwoordWriter.Answer(declaratie, verdict, identificatie, date))
            : new RetourWriter(registry).Write(doc, verdict, identificatie, date);
        stdout.WriteLine(retour.Declaration + Environment.NewLine + retour);
        foreach (var finding in verdict.Findings)
        {
            stderr.WriteLine("  " + finding);
        }

        return Ok;
    }

    private static int Generate(string[] args, TextWriter stdout)
    {
        string? output = null;
        var profile = new TrafficProfile(1000);
        var today = DutchToday();
        double Share(string[] a, ref int i) =>
            double.TryParse(Value(a, ref i), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var f) && f is >= 0 and <= 1
                ? f : throw new UsageException($"{a[i - 1]} takes a fraction from 0 to 1, e.g. 0.2");
        int Count(string[] a, ref int i) =>
            int.TryParse(Value(a, ref i), out var n) && n > 0 ? n : throw new UsageException($"{a[i - 1]} takes a positive number");
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--out": output = Value(args, ref i); break;
                case "--clients": profile = profile with { Clients = Count(args, ref i) }; break;
                case "--gemeenten": profile = profile with { Gemeenten = Count(args, ref i) }; break;
                case "--aanbieders": profile = profile with { Aanbieders = Count(args, ref i) }; break;
                case "--late": profile = profile with { LateShare = Share(args, ref i) }; break;
                case "--missing": profile = profile with { MissingShare = Share(args, ref i) }; break;
                case "--stops": profile = profile with { StopShare = Share(args, ref i) }; break;
                case "--seed": profile = profile with { Seed = int.TryParse(Value(args, ref i), out var s) ? s : throw new UsageException("--seed takes a number") }; break;
                case "--today":
                    today = DateOnly.TryParseExact(Value(args, ref i), "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var d)
                        ? d : throw new UsageException("--today takes a date as YYYY-MM-DD");
                    break;
                default: throw new UsageException($"unknown option '{args[i]}'");
            }
        }

        if (output is null)
        {
            throw new UsageException("generate needs --out DIR");
        }

        try
        {
            profile.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new UsageException(ex.Message);
        }

        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var n = 0;
        foreach (var (sender, message) in DemoTraffic.Generate(profile, today))
        {
            var folder = Path.Combine(output, sender);
            Directory.CreateDirectory(folder);
            var doc = IwmoXml.Write(message);
            File.WriteAllText(Path.Combine(folder, $"{++n:D8}-{message.Type.Name}.xml"), doc.Declaration + Environment.NewLine + doc);
            counts[message.Type.Name] = counts.GetValueOrDefault(message.Type.Name) + 1;
        }

        stdout.WriteLine($"{n} messages for {profile.Clients} clients written to {output}: " + string.Join(", ", counts.Select(c => $"{c.Key} ×{c.Value}")));
        return Ok;
    }

    private static int Demo(string[] args, TextWriter stdout, TextWriter stderr)
    {
        string? url = null, cakUrl = null, storage = null;
        var adminKey = "demo-admin-key-0000";
        var clients = 240;
        var seed = 1;
        var rejectList = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--url":
                    url = Value(args, ref i);
                    break;
                case "--cak":
                    cakUrl = Value(args, ref i);
                    break;
                case "--storage":
                    storage = Value(args, ref i);
                    break;
                case "--admin-key":
                    adminKey = Value(args, ref i);
                    break;
                case "--clients":
                    clients = int.TryParse(Value(args, ref i), out var c) && c > 0 ? c : throw new UsageException("--clients takes a positive number");
                    break;
                case "--seed":
                    seed = int.TryParse(Value(args, ref i), out var s) ? s : throw new UsageException("--seed takes a number");
                    break;
                case "--cak-reject":
                    rejectList = true;
                    break;
                default:
                    throw new UsageException($"unknown option '{args[i]}'");
            }
        }

        if (rejectList)
        {
            // For the CAK simulator (CakSim__Reject): the demo's clients the CAK does not know.
            stdout.WriteLine(string.Join(';', DemoScenario.RejectedBsns(clients, seed).Select(b => b + ":" + "C001")));
            return Ok;
        }

        if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var baseUri))
        {
            throw new UsageException("demo needs --url of a running host, e.g. http://127.0.0.1:7071");
        }

        using var http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(60) };
        using var cak = cakUrl is null ? null : new HttpClient { BaseAddress = new Uri(cakUrl), Timeout = TimeSpan.FromSeconds(30) };
        WaitUntilIntakeReady(http);
        var loader = new DemoLoader(http, cak, adminKey, stdout);
        if (!loader.HasDemoClockAsync(CancellationToken.None).GetAwaiter().GetResult())
        {
            return DemoNow(http, Math.Min(clients, 60), seed, stdout, stderr);
        }

        var today = DutchToday();
        var plan = DemoScenario.Generate(clients, seed, today, SchemaRegistry.Load());
        stdout.WriteLine($"demo: {plan.Count} messages of {clients} clients over {DemoScenario.Days} days, from {DemoScenario.FirstDay(today):yyyy-MM-dd}");
        var summary = loader.LoadAsync(plan, DemoScenario.FirstDay(today), today, CancellationToken.None).GetAwaiter().GetResult();
        if (storage is not null)
        {
            DemoPoison.SendAsync(storage, CancellationToken.None).GetAwaiter().GetResult();
            stdout.WriteLine("demo: one unreadable message put on the routing queue; it ends in the poison list within a minute");
        }

        stdout.WriteLine($"demo traffic loaded: {summary.Posted} accepted, {summary.Duplicates} duplicates (loaded before), {summary.Rejected} refused, {summary.Days} days");
        return summary.Rejected == 0 ? Ok : Invalid;
    }

    /// <summary>Without a demo clock: the older, simpler traffic, all sent now.</summary>
    private static int DemoNow(HttpClient http, int clients, int seed, TextWriter stdout, TextWriter stderr)
    {
        stdout.WriteLine("demo: the host has no demo clock (Demo__Clock=on), so the traffic is sent as of today");
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var (sender, message) in DemoTraffic.Generate(clients, seed, DutchToday()))
        {
            var doc = IwmoXml.Write(message);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/berichten")
            {
                Content = new StringContent(doc.Declaration + doc.ToString(), System.Text.Encoding.UTF8, "application/xml"),
            };
            request.Headers.Add("X-Api-Key", DemoTraffic.KeyFor(sender));
            using var response = http.Send(request);
            var key = $"{message.Type} {(int)response.StatusCode}";
            counts[key] = counts.GetValueOrDefault(key) + 1;
            if (!response.IsSuccessStatusCode && response.StatusCode != System.Net.HttpStatusCode.Conflict)
            {
                stderr.WriteLine($"{message.Type} from {sender}: {(int)response.StatusCode} {response.Content.ReadAsStringAsync().GetAwaiter().GetResult()}");
            }
        }

        stdout.WriteLine("demo traffic posted: " + string.Join(", ", counts.Select(c => $"{c.Key} ×{c.Value}")));
        return counts.Keys.All(k => k.EndsWith(" 202", StringComparison.Ordinal) || k.EndsWith(" 409", StringComparison.Ordinal)) ? Ok : Invalid;
    }

    // The host answers health before its start-up work (tables, demo keys) is done; intake says 503 until then.
    private static void WaitUntilIntakeReady(HttpClient http)
    {
        for (var attempt = 0; attempt < 60; attempt++)
        {
            using var probe = new HttpRequestMessage(HttpMethod.Post, "/api/berichten");
            using var response = http.Send(probe);
            if (response.StatusCode != System.Net.HttpStatusCode.ServiceUnavailable)
            {
                return;
            }

            Thread.Sleep(500);
        }
    }

    private static DateOnly DutchToday() => DutchTime.Today(TimeProvider.System);

    private static SchemaRegistry LoadSchemas(string? folder)
    {
        try
        {
            return SchemaRegistry.Load(folder);
        }
        catch (Exception ex) when (ex is IOException or XmlException or System.Xml.Schema.XmlSchemaException)
        {
            throw new UsageException($"cannot load schemas: {ex.Message}");
        }
    }

    private static int Validate(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var json = false;
        string? schemas = null;
        var options = new MessageValidationOptions();
        var files = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--json":
                    json = true;
                    break;
                case "--schemas":
                    schemas = Value(args, ref i);
                    break;
                case "--max-bytes":
                    options = options with { MaxMessageBytes = long.TryParse(Value(args, ref i), out var n) && n > 0 ? n : throw new UsageException("--max-bytes takes a positive number") };
                    break;
                case var flag when flag.StartsWith("--", StringComparison.Ordinal):
                    throw new UsageException($"unknown option '{flag}'");
                default:
                    files.Add(args[i]);
                    break;
            }
        }

        if (files.Count == 0)
        {
            throw new UsageException("validate needs at least one FILE");
        }

        var missing = files.Where(f => !File.Exists(f)).ToList();
        if (missing.Count > 0)
        {
            throw new UsageException("no such file: " + string.Join(", ", missing));
        }

        var registry = LoadSchemas(schemas);
        var validator = new MessageValidator(registry, options);
        var results = files.Select(f =>
        {
            using var stream = File.OpenRead(f);
            return (File: f, Result: validator.Validate(stream));
        }).ToList();

        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(results.Select(r => new
            {
                file = r.File,
                valid = r.Result.IsValid,
                message = r.Result.MessageType?.Name,
                errors = r.Result.Errors.Select(e => new { layer = (int)e.Layer, e.Code, e.Line, e.Column, e.Location, e.Message }),
            }), Json));
        }
        else
        {
            foreach (var (file, result) in results)
            {
                stdout.WriteLine(result.IsValid ? $"{file}: valid {result.MessageType}" : $"{file}: invalid");
                foreach (var error in result.Errors)
                {
                    stdout.WriteLine("  " + error);
                }
            }
        }

        return results.All(r => r.Result.IsValid) ? Ok : Invalid;
    }

    internal static string Value(string[] args, ref int i) =>
        ++i < args.Length ? args[i] : throw new UsageException($"{args[i - 1]} needs a value");

    private static int UsageError(TextWriter stderr, string message)
    {
        stderr.WriteLine($"wmo: {message}");
        stderr.WriteLine("run 'wmo --help' for usage");
        return Usage;
    }

    internal sealed class UsageException(string message) : Exception(message);
}
