using System.Text.Encodings.Web;
using System.Text.Json;
using System.CommandLine;
using System.CommandLine.Parsing;
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

    /// <summary>Runs the command line; usage errors (unknown command or option, a missing or wrong value) exit 2.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = Commands.Root();
        if (args.Length == 0)
        {
            root.Parse(["--help"]).Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
            return Usage;
        }

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // "Required command was not provided" only adds noise next to the error that says what was wrong.
            foreach (var error in parse.Errors.Where(e => parse.Errors.Count == 1 || e.Message != "Required command was not provided."))
            {
                stderr.WriteLine($"wmo: {error.Message}");
            }

            stderr.WriteLine($"run '{string.Join(' ', ["wmo", .. CommandPath(parse)])} --help' for usage");
            return Usage;
        }

        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (UsageException ex)
        {
            return UsageError(stderr, ex.Message);
        }
    }

    private static List<string> CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var command = parse.CommandResult; command.Parent is CommandResult parent; command = parent)
        {
            names.Insert(0, command.Command.Name);
        }

        return names;
    }

    /// <summary>The retour (or WMO325) the layer answers to a message, after schema validation and the message rules.</summary>
    internal static int Retour(FileInfo file, DateOnly? today, GemeenteCodes? gemeenten, string? schemas, TextWriter stdout, TextWriter stderr)
    {
        var path = file.ToString(); // as the user wrote it
        var registry = LoadSchemas(schemas);
        var bytes = File.ReadAllBytes(path);
        var validation = new MessageValidator(registry).Validate(bytes);
        if (!validation.IsValid)
        {
            stderr.WriteLine($"{path}: invalid; the chain answers no retour to a message that fails schema validation:");
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

    /// <summary>Reproducible synthetic traffic as files, one folder per sender.</summary>
    internal static int Generate(string output, TrafficProfile profile, DateOnly today, TextWriter stdout)
    {
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

    /// <summary>Five months of demo traffic into a running host on a demo clock (or, with --cak-reject, the simulator's reject list).</summary>
    internal static int Demo(Uri? url, Uri? cakUrl, string? storage, string adminKey, int clients, int seed, bool rejectList, DateOnly? firstDay,
        TextWriter stdout, TextWriter stderr)
    {
        if (rejectList)
        {
            // For the CAK simulator (CakSim__Reject): the demo's clients the CAK does not know.
            stdout.WriteLine(string.Join(';', DemoScenario.RejectedBsns(clients, seed).Select(b => b + ":" + "C001")));
            return Ok;
        }

        if (url is null)
        {
            throw new UsageException("demo needs --url of a running host, e.g. http://127.0.0.1:7071");
        }

        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(60) };
        using var cak = cakUrl is null ? null : new HttpClient { BaseAddress = cakUrl, Timeout = TimeSpan.FromSeconds(30) };
        WaitUntilIntakeReady(http);
        var loader = new DemoLoader(http, cak, adminKey, stdout);
        if (!loader.HasDemoClockAsync(CancellationToken.None).GetAwaiter().GetResult())
        {
            return DemoNow(http, Math.Min(clients, 60), seed, stdout, stderr);
        }

        // The scenario ends on its "today": the real today, or the last of the days from --first-day.
        var today = firstDay?.AddDays(DemoScenario.Days) ?? DutchToday();
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

    /// <summary>
    /// Validates files as intake does: layer 1 (the schema) and, unless <paramref name="schemaOnly"/>, layer 2 (the
    /// message rules, judged against <paramref name="today"/>): a message the layer would reject (header retourcodes
    /// such as 0001 or 8848, or S300 with a gemeentecode list) is invalid; codes on a class only go into the retour.
    /// </summary>
    internal static int Validate(IReadOnlyList<FileInfo> fileInfos, bool json, string? schemas, long? maxBytes, bool schemaOnly, DateOnly? today,
        GemeenteCodes? gemeenten, TextWriter stdout, TextWriter stderr)
    {
        var files = fileInfos.Select(f => f.ToString()).ToList();
        var options = maxBytes is { } max ? new MessageValidationOptions { MaxMessageBytes = max } : new MessageValidationOptions();
        var registry = LoadSchemas(schemas);
        var validator = new MessageValidator(registry, options);
        var date = today ?? DutchToday();
        var results = files.Select(f =>
        {
            using var stream = File.OpenRead(f);
            var result = validator.Validate(stream);
            return (File: f, Result: result, Verdict: schemaOnly ? null : Rules(f, result, date, gemeenten));
        }).ToList();

        static bool Rejected(RetourVerdict? verdict) => verdict?.HeaderFindings.Any() == true;
        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(results.Select(r => new
            {
                file = r.File,
                valid = r.Result.IsValid && !Rejected(r.Verdict),
                message = r.Result.MessageType?.Name,
                errors = r.Result.Errors.Select(e => new { layer = (int)e.Layer, e.Code, e.Line, e.Column, e.Location, e.Message }),
                retourCodes = r.Verdict?.Findings.Select(f => f.RetourCode).Distinct(),
                findings = r.Verdict?.Findings.Select(f => new { retourCode = f.RetourCode, rule = f.Rule, location = f.Location, message = f.Message }),
            }), Json));
        }
        else
        {
            foreach (var (file, result, verdict) in results)
            {
                var codes = verdict is null ? string.Empty : string.Join(", ", verdict.Findings.Select(f => f.RetourCode).Distinct());
                stdout.WriteLine(!result.IsValid ? $"{file}: invalid"
                    : Rejected(verdict) ? $"{file}: rejected {result.MessageType} (retourcode {codes}; the layer answers a retour and the message counts as not sent)"
                    : verdict is { Findings.Count: > 0 } ? $"{file}: valid {result.MessageType}; the retour carries retourcode {codes}"
                    : $"{file}: valid {result.MessageType}");
                foreach (var error in result.Errors)
                {
                    stdout.WriteLine("  " + error);
                }

                foreach (var finding in verdict?.Findings ?? [])
                {
                    stdout.WriteLine("  layer 2 " + finding);
                }
            }
        }

        return results.All(r => r.Result.IsValid && !Rejected(r.Verdict)) ? Ok : Invalid;
    }

    /// <summary>Layer 2 for a message that passed layer 1; none for retours and answers (intake does not judge those either).</summary>
    private static RetourVerdict? Rules(string file, ValidationResult result, DateOnly today, GemeenteCodes? gemeenten)
    {
        if (!result.IsValid || result.MessageType is not { IsRetour: false, AnswersTo: null })
        {
            return null;
        }

        return MessageRules.Evaluate(IwmoXml.Read(IwmoXml.Load(File.ReadAllBytes(file))), today, gemeenten);
    }

    private static int UsageError(TextWriter stderr, string message)
    {
        stderr.WriteLine($"wmo: {message}");
        stderr.WriteLine("run 'wmo --help' for usage");
        return Usage;
    }

    internal sealed class UsageException(string message) : Exception(message);
}
