using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Wmo.Messages;

namespace Wmo.Cli;

/// <summary>
/// The commands, options and arguments of <c>wmo</c> (System.CommandLine): each command has its own <c>--help</c>,
/// options are typed and checked before anything runs, and a mistake is a usage error (exit 2) that names it.
/// </summary>
internal static class Commands
{
    public static RootCommand Root() => new("wmo — the Wmo integration layer's command line: check iWmo messages, send them to a hub, and work with a running hub.")
    {
        Validate(), Retour(), Send(), Scan(), Alerts(), Generate(), Demo(),
    };

    private static Command Validate()
    {
        var files = new Argument<FileInfo[]>("FILE") { Description = "iWmo/iEb message files", Arity = ArgumentArity.OneOrMore };
        files.Validators.Add(NoUnknownOptions);
        files.AcceptExistingOnly();
        var json = new Option<bool>("--json") { Description = "Print the verdicts as JSON" };
        var schemas = SchemaFolder();
        var maxBytes = new Option<long?>("--max-bytes") { Description = "Largest message accepted (default 25 MB, OP179)", HelpName = "N" };
        maxBytes.Validators.Add(r => { if (r.GetValue(maxBytes) is <= 0) { r.AddError("--max-bytes takes a positive number"); } });
        var schemaOnly = new Option<bool>("--schema-only") { Description = "Layer 1 (the schema) alone; without it the message rules (layer 2) run too, as at intake" };
        var today = Today("The date the message rules judge against (TR135: Dagtekening in the future), default today in the Netherlands");
        var gemeenten = GemeentenList();
        var command = new Command("validate", "Validates messages as the hub's intake does: layer 1 (schema) and layer 2 (message rules). One line per file: "
            + "'valid WMO305', 'invalid' with each schema error, or 'rejected' with the retourcodes the layer answers (0001 BSN elfproef, 8848 Dagtekening "
            + "in the future, S300 unknown gemeente with --gemeenten). Exit 0 when every file would be accepted, 1 when any would not, 2 on a usage error.")
        {
            files, json, schemas, maxBytes, schemaOnly, today, gemeenten,
        };
        command.SetAction(r => Cli.Validate(r.GetValue(files)!, r.GetValue(json), r.GetValue(schemas)?.FullName, r.GetValue(maxBytes), r.GetValue(schemaOnly),
            r.GetValue(today), r.GetValue(gemeenten), r.InvocationConfiguration.Output, r.InvocationConfiguration.Error));
        return command;
    }

    private static Command Retour()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The message to answer" }.AcceptExistingOnly();
        var today = Today("The date the message rules judge against, default today in the Netherlands");
        var gemeenten = GemeentenList();
        var schemas = SchemaFolder();
        var command = new Command("retour", "Prints the retour (WMO302/306/308/316/318/320, or WMO325 for a WMO323) the layer answers to FILE, after schema "
            + "validation and the message rules. A message that fails schema validation gets no retour, as in the chain: its errors go to stderr, exit 1.")
        {
            file, today, gemeenten, schemas,
        };
        command.SetAction(r => Cli.Retour(r.GetValue(file)!, r.GetValue(today), r.GetValue(gemeenten), r.GetValue(schemas)?.FullName,
            r.InvocationConfiguration.Output, r.InvocationConfiguration.Error));
        return command;
    }

    private static Command Send()
    {
        var path = new Argument<string>("FILE|FOLDER") { Description = "A message, or a folder whose .xml files are sent in name order" };
        var key = Key("The sender's API key (X-Api-Key)");
        var url = Url();
        var report = new Option<FileInfo?>("--report") { Description = "Append each file's outcome as a JSON line {file, status, id, codes, detail}; "
            + "run again with the same report to send only what was not delivered", HelpName = "FILE" };
        var retries = new Option<int>("--retries") { Description = "Retries per file on a connection error, a timeout, 503 or 429", DefaultValueFactory = _ => 6 };
        retries.Validators.Add(r => { if (r.GetValue(retries) is < 0 or > 100) { r.AddError("--retries takes 0 to 100"); } });
        var maxWait = new Option<int>("--max-wait") { Description = "Longest wait between two attempts, in seconds", DefaultValueFactory = _ => 30, HelpName = "SECONDS" };
        maxWait.Validators.Add(r => { if (r.GetValue(maxWait) is < 1 or > 3600) { r.AddError("--max-wait takes 1 to 3600 seconds"); } });
        var command = new Command("send", "Posts a message or a folder of them to the hub's intake as the party the key belongs to, with a progress bar. "
            + "Connection errors, timeouts, 503 and 429 are retried with backoff (honouring Retry-After); 409 counts as delivered; it never stops early. "
            + "Ends with a summary and every file not delivered. Exit 1 when any file was rejected or could not be delivered.")
        {
            path, key, url, report, retries, maxWait,
        };
        command.SetAction(r => SendCommand.Run(r.GetValue(path)!, r.GetValue(key)!, r.GetValue(url)!, r.GetValue(report), r.GetValue(retries),
            TimeSpan.FromSeconds(r.GetValue(maxWait)), r.InvocationConfiguration.Output, r.InvocationConfiguration.Error));
        return command;
    }

    private static Command Scan()
    {
        var key = Key("An admin API key");
        var url = Url();
        var asOf = new Option<DateOnly?>("--as-of") { Description = "The day to scan (default today): re-run a missed day, or travel in time in a demo", HelpName = "YYYY-MM-DD", CustomParser = ParseDate };
        var command = new Command("scan", "Runs the detection scan of a running hub for a day and prints how many deadlines were due and how many alerts were raised and resolved.")
        {
            key, url, asOf,
        };
        command.SetAction(r => HubCommands.Scan(r.GetValue(key)!, r.GetValue(url)!, r.GetValue(asOf), r.InvocationConfiguration.Output, r.InvocationConfiguration.Error));
        return command;
    }

    private static Command Alerts()
    {
        var key = Key("An API key; the list is what that key may see");
        var url = Url();
        string[] names = ["owner", "gemeente", "aanbieder", "rule", "severity", "status"];
        var filters = names.Select(n => new Option<string?>("--" + n) { Description = $"Only alerts with this {n}" }).ToArray();
        var command = new Command("alerts", "Lists the alerts a key may see: severity, status, rule, owner and the explanation (Dutch).") { key, url };
        foreach (var filter in filters)
        {
            command.Add(filter);
        }

        command.SetAction(r => HubCommands.Alerts(r.GetValue(key)!, r.GetValue(url)!, names.Zip(filters).ToDictionary(p => p.First, p => r.GetValue(p.Second)),
            r.InvocationConfiguration.Output, r.InvocationConfiguration.Error));
        return command;
    }

    private static Command Generate()
    {
        var output = new Option<string>("--out") { Description = "The folder to write to (one subfolder per sender)", Required = true, HelpName = "DIR" };
        var clients = Count("--clients", 1000, "Clients, each with a toewijzing and (mostly) a start");
        var gemeenten = Count("--gemeenten", 3, "Gemeenten");
        var aanbieders = Count("--aanbieders", 4, "Aanbieders");
        var late = Share("--late", 0.2, "Share of starts sent late");
        var missing = Share("--missing", 0.15, "Share of starts never sent");
        var stops = Share("--stops", 0.33, "Share of clients that also stop");
        var seed = new Option<int>("--seed") { Description = "Random seed: same options, same files", DefaultValueFactory = _ => 1 };
        var today = Today("The date the traffic is generated up to, default today in the Netherlands");
        var command = new Command("generate", "Writes reproducible synthetic traffic as files, one folder per sender (DIR/0363/…, DIR/65656055/…): per client a WMO301, "
            + "a WMO305 on time, late or never, and for some a WMO307. Post it with 'wmo send DIR/PARTY --key KEY' (gemeenten first).")
        {
            output, clients, gemeenten, aanbieders, late, missing, stops, seed, today,
        };
        command.SetAction(r => Cli.Generate(r.GetValue(output)!,
            new TrafficProfile(r.GetValue(clients), r.GetValue(gemeenten), r.GetValue(aanbieders), r.GetValue(late), r.GetValue(missing), r.GetValue(stops), r.GetValue(seed)),
            r.GetValue(today) ?? DutchTime.Today(TimeProvider.System), r.InvocationConfiguration.Output));
        return command;
    }

    private static Command Demo()
    {
        var url = new Option<Uri?>("--url") { Description = "A running host on a demo clock (./wmo run starts one)", HelpName = "URL", CustomParser = ParseUrl };
        var cak = new Option<Uri?>("--cak") { Description = "The CAK simulator, to wait for its answers", HelpName = "URL", CustomParser = ParseUrl };
        var storage = new Option<string?>("--storage") { Description = "The host's storage connection string: also puts an unreadable message on the routing queue (a poisoned message)", HelpName = "CONNECTION" };
        var adminKey = new Option<string>("--admin-key") { Description = "The host's admin key", DefaultValueFactory = _ => "demo-admin-key-0000" };
        var clients = Count("--clients", 240, "Clients");
        var seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 1 };
        var rejectList = new Option<bool>("--cak-reject") { Description = "Print the demo clients the CAK does not know (the simulator's CakSim__Reject) and stop" };
        var firstDay = new Option<DateOnly?>("--first-day")
        {
            Description = $"The demo's first day (the host's Demo__ClockStart); its {DemoScenario.Days} days must lie in the past. Default {DemoScenario.Days} days ago",
            HelpName = "YYYY-MM-DD",
            CustomParser = ParseDate,
        };
        firstDay.Validators.Add(r =>
        {
            if (r.GetValue(firstDay) is { } day && day.AddDays(DemoScenario.Days) > DutchTime.Today(TimeProvider.System))
            {
                r.AddError($"--first-day must be at least {DemoScenario.Days} days ago (the demo plays {DemoScenario.Days} days up to its last day)");
            }
        });
        var command = new Command("demo", "Plays five months of reproducible traffic between three gemeenten and four aanbieders into a running host on a demo clock, "
            + "day by day (the clock moves, messages are posted with the demo keys, routing and the CAK leg settle, the day's scan runs). Every detection rule fires "
            + "at least once. Loading again is harmless: every message is a duplicate the second time.")
        {
            url, cak, storage, adminKey, clients, seed, rejectList, firstDay,
        };
        command.SetAction(r => Cli.Demo(r.GetValue(url), r.GetValue(cak), r.GetValue(storage), r.GetValue(adminKey)!, r.GetValue(clients), r.GetValue(seed),
            r.GetValue(rejectList), r.GetValue(firstDay), r.InvocationConfiguration.Output, r.InvocationConfiguration.Error));
        return command;
    }

    private static Option<string> Key(string description) => new("--key") { Description = description, Required = true, HelpName = "KEY" };

    private static Option<Uri> Url() => new("--url")
    {
        Description = "The hub", HelpName = "URL", DefaultValueFactory = _ => new Uri(SendCommand.DefaultUrl), CustomParser = r => ParseUrl(r)!,
    };

    private static Option<DirectoryInfo> SchemaFolder() =>
        new Option<DirectoryInfo>("--schemas") { Description = "Validate against another schema folder (e.g. the official XSDs)", HelpName = "DIR" }.AcceptExistingOnly();

    private static Option<DateOnly?> Today(string description) => new("--today") { Description = description, HelpName = "YYYY-MM-DD", CustomParser = ParseDate };

    private static Option<GemeenteCodes?> GemeentenList() => new("--gemeenten")
    {
        Description = "The CBS gemeentecode list (code;naam;geldig_vanaf;geldig_tot): turns on the gemeentecode check (S300)",
        HelpName = "FILE",
        CustomParser = r =>
        {
            var path = r.Tokens.Single().Value;
            try
            {
                return GemeenteCodes.Load(path);
            }
            catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
            {
                r.AddError($"cannot load gemeentecodes from '{path}': {ex.Message}");
                return null;
            }
        },
    };

    private static Option<int> Count(string name, int fallback, string description)
    {
        var option = new Option<int>(name) { Description = description, DefaultValueFactory = _ => fallback };
        option.Validators.Add(r => { if (r.GetValue(option) < 1) { r.AddError($"{name} takes a positive number"); } });
        return option;
    }

    private static Option<double> Share(string name, double fallback, string description)
    {
        var option = new Option<double>(name) { Description = description + " (0 to 1)", DefaultValueFactory = _ => fallback };
        option.Validators.Add(r => { if (r.GetValue(option) is < 0 or > 1 or double.NaN) { r.AddError($"{name} takes a fraction from 0 to 1, e.g. 0.2"); } });
        return option;
    }

    /// <summary>A token like --bogus would otherwise be taken for a file name ("File does not exist: '--bogus'").</summary>
    private static void NoUnknownOptions(ArgumentResult r)
    {
        foreach (var token in r.Tokens.Where(t => t.Value.StartsWith('-')))
        {
            r.AddError($"unknown option '{token.Value}'");
        }
    }

    private static DateOnly? ParseDate(ArgumentResult r)
    {
        var value = r.Tokens.Single().Value;
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return day;
        }

        r.AddError($"'{value}' is not a date as YYYY-MM-DD");
        return null;
    }

    private static Uri? ParseUrl(ArgumentResult r)
    {
        var value = r.Tokens.Single().Value;
        if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            return uri;
        }

        r.AddError($"'{value}' is not an http(s) URL, e.g. http://127.0.0.1:7071");
        return null;
    }
}
