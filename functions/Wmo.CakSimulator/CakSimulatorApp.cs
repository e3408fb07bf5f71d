using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Threading.Channels;
using System.Xml.Linq;
using Wmo.Messages;
using Wmo.Messages.Model;
using Wmo.Messages.Retour;

namespace Wmo.CakSimulator;

/// <summary>
/// The CAK simulator. Settings (environment or command line, sections with <c>__</c> or <c>:</c>):
/// <c>CakSim:HubUrl</c> (where WMO406 goes, default http://127.0.0.1:7071), <c>CakSim:ApiKey</c> (the CAK's key at the
/// hub), <c>CakSim:Delay</c> (before answering, default 2 s), <c>CakSim:Reject</c> (<c>bsn:code;…</c>: always reject
/// these persons, e.g. unknown at the CAK). It also rejects a start that overlaps a period it holds for the person
/// (code C002). A repeated WMO405 (same gemeente, Identificatie, Dagtekening) is taken once.
/// </summary>
public static class CakSimulatorApp
{
    public const string UnknownPerson = "C001";
    public const string Overlap = "C002";

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Services.AddSingleton(SchemaRegistry.Load());
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<Cak>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Cak>());
        var app = builder.Build();

        app.MapPost("/api/wmo405", async (HttpContext http, Cak cak) =>
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body);
            return cak.Receive(body.ToArray());
        });
        app.MapGet("/api/ontvangen", (Cak cak) => Results.Json(cak.Received.Values.OrderBy(r => r.ReceivedOn)));
        app.MapGet("/api/health", () => Results.Json(new { status = "Healthy" }));
        return app;
    }
}

/// <summary>One WMO405 as the simulator saw it, and its answer.</summary>
public sealed record Received(string Gemeente, string Identificatie, string Bsn, IReadOnlyList<EigenBijdragePeriode> Perioden, DateTimeOffset ReceivedOn)
{
    public IReadOnlyList<string> RetourCodes { get; set; } = [];

    public DateTimeOffset? AnsweredOn { get; set; }

    /// <summary>How often this WMO405 arrived (a relay that resends after a crash shows here as more than 1).</summary>
    public int Deliveries { get; set; } = 1;
}

public sealed class Cak(SchemaRegistry schemas, IConfiguration config, TimeProvider time, ILogger<Cak> logger) : BackgroundService
{
    private readonly Channel<(XDocument Heen, Received Received)> _answers = Channel.CreateUnbounded<(XDocument, Received)>();
    private readonly MessageValidator _validator = new(schemas);
    private readonly RetourWriter _retours = new(schemas);
    private readonly ConcurrentDictionary<string, List<(DateOnly Begin, DateOnly? End)>> _periods = new();

    public ConcurrentDictionary<string, Received> Received { get; } = new();

    public IResult Receive(byte[] xml)
    {
        var result = _validator.Validate(xml);
        if (!result.IsValid || result.MessageType != MessageCatalog.Wmo405)
        {
            return Results.Problem(statusCode: 400, title: "Not a valid WMO405",
                detail: string.Join("; ", result.Errors.Select(e => e.Message).DefaultIfEmpty($"got {result.MessageType}")));
        }

        var doc = IwmoXml.Load(xml);
        var message = (Wmo405)IwmoXml.Read(doc);
        var key = $"{message.Header.Afzender}|{message.Header.BerichtIdentificatie.Identificatie}|{message.Header.BerichtIdentificatie.Dagtekening:yyyy-MM-dd}";
        var received = new Received(message.Header.Afzender, message.Header.BerichtIdentificatie.Identificatie, message.Client.Bsn, message.Client.Perioden, time.GetUtcNow());
        if (!Received.TryAdd(key, received))
        {
            Received[key].Deliveries++;
            return Results.Json(new { status = "already received" }, statusCode: 200);
        }

        _answers.Writer.TryWrite((doc, received));
        return Results.Json(new { status = "received" }, statusCode: 202);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.TryParse(config["CakSim:Delay"], CultureInfo.InvariantCulture, out var d) ? d : TimeSpan.FromSeconds(2);
        using var http = new HttpClient { BaseAddress = new Uri(config["CakSim:HubUrl"] ?? "http://127.0.0.1:7071"), Timeout = TimeSpan.FromSeconds(30) };
        await foreach (var (heen, received) in _answers.Reader.ReadAllAsync(stoppingToken))
        {
            var wait = received.ReceivedOn + delay - time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, stoppingToken);
            }

            var verdict = Judge((Wmo405)IwmoXml.Read(heen));
            var retour = _retours.Write(heen, verdict, "CAK" + received.Identificatie[..Math.Min(9, received.Identificatie.Length)],
                DutchTime.Today(time));
            received.RetourCodes = [.. verdict.Findings.Select(f => f.RetourCode).Distinct()];
            await PostAsync(http, Encoding.UTF8.GetBytes(retour.Declaration + retour.ToString(SaveOptions.DisableFormatting)), stoppingToken);
            received.AnsweredOn = time.GetUtcNow();
            logger.LogInformation("WMO406 sent for {Identificatie}: {Codes}", received.Identificatie,
                received.RetourCodes.Count == 0 ? "accepted" : string.Join(",", received.RetourCodes));
        }
    }

    /// <summary>The CAK's checks: configured unknown persons, and a start that overlaps a period held for the person.</summary>
    private RetourVerdict Judge(Wmo405 message)
    {
        var rejectBsns = (config["CakSim:Reject"] ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.Split(':')).Where(p => p.Length == 2).ToDictionary(p => p[0].Trim(), p => p[1].Trim());
        if (rejectBsns.TryGetValue(message.Client.Bsn, out var code))
        {
            return new RetourVerdict([new Finding(code, "CAK", "Persoon onbekend bij het CAK.", "/Bericht/Client")]);
        }

        var key = message.Header.Afzender + "|" + message.Client.Bsn;
        var held = _periods.GetOrAdd(key, _ => []);
        var findings = new List<Finding>();
        lock (held)
        {
            for (var i = 0; i < message.Client.Perioden.Count; i++)
            {
                var p = message.Client.Perioden[i];
                if (p.StatusAanlevering == "3")
                {
                    held.RemoveAll(h => h.Begin == p.Begindatum);
                    continue;
                }

                var existing = held.FindIndex(h => h.Begin == p.Begindatum);
                var overlaps = held.Any(h => h.Begin != p.Begindatum && h.Begin <= (p.Einddatum ?? DateOnly.MaxValue) && (h.End ?? DateOnly.MaxValue) >= p.Begindatum);
                if (overlaps)
                {
                    var location = "/Bericht/Client/EigenBijdragePerioden/EigenBijdragePeriode" + (i == 0 ? string.Empty : $"[{i + 1}]");
                    findings.Add(new Finding(CakSimulatorApp.Overlap, "CAK", "Overlapt met een periode die het CAK al heeft.", location));
                    continue;
                }

                if (existing >= 0)
                {
                    held[existing] = (p.Begindatum, p.Einddatum);
                }
                else
                {
                    held.Add((p.Begindatum, p.Einddatum));
                }
            }
        }

        return new RetourVerdict(findings);
    }

    /// <summary>Posts the WMO406 to the hub until it is taken (the hub may be restarting); a 409 means it was.</summary>
    private async Task PostAsync(HttpClient http, byte[] xml, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/berichten") { Content = new ByteArrayContent(xml) };
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/xml");
                request.Headers.Add("X-Api-Key", config["CakSim:ApiKey"] ?? "demo-cak-key-00000");
                using var response = await http.SendAsync(request, ct);
                if (response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.Conflict)
                {
                    return;
                }

                logger.LogWarning("The hub answered {Status} to a WMO406: {Body}", (int)response.StatusCode, await response.Content.ReadAsStringAsync(ct));
                if ((int)response.StatusCode is >= 400 and < 500 and not 429)
                {
                    return; // the hub refuses it; trying again will not change that
                }
            }
            catch (HttpRequestException ex)
            {
                logger.LogWarning("The hub is not reachable ({Message}); retrying", ex.Message);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(30_000, 250 * Math.Pow(2, Math.Min(attempt, 7)))), time, ct);
        }
    }
}
