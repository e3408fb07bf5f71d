using System.Globalization;
using System.Net;
using System.Text;
using Wmo.AzureStorage;
using Wmo.Functions;
using Wmo.Functions.Runtime;

namespace Wmo.Host;

/// <summary>
/// The start page: what this host runs and whether anything is stuck. Dutch, because officers read it; plain
/// server-rendered HTML that works without JavaScript.
/// </summary>
internal static class StatusPage
{
    // Dutch digit grouping (1.234.567) without culture data: the app runs with invariant globalization (no ICU).
    private static readonly NumberFormatInfo DutchNumbers = new() { NumberGroupSeparator = ".", NumberDecimalSeparator = "," };

    public static void MapStatusPage(this IEndpointRouteBuilder app) =>
        app.MapGet("/", async (FunctionsRuntime runtime, FunctionCatalog catalog, StorageClients storage, StorageHealth health, IConfiguration config, CancellationToken ct) =>
        {
            var storageStatus = await health.CheckAsync(ct);
            var healthy = storageStatus.Values.All(v => v == "ok");
            // Queue and timer functions: their backlog and schedules are what an operator checks here (the HTTP
            // functions are the API and dashboard themselves, listed under /api/functions).
            var functions = healthy ? [.. (await FunctionStatus.ReadAsync(runtime, catalog, storage, config, ct)).Where(f => f.Trigger != "http")] : Array.Empty<FunctionStatus>();
            long? inbox = healthy ? await FunctionStatus.LengthAsync(storage.GetQueue(Wmo.Hub.IntakeOptions.InboxQueue), ct) : null;
            return Results.Content(Render(storageStatus, functions, inbox), "text/html; charset=utf-8");
        });

    internal static string Render(IReadOnlyDictionary<string, string> storage, IReadOnlyList<FunctionStatus> functions, long? inbox)
    {
        static string E(string? s) => WebUtility.HtmlEncode(s ?? string.Empty);
        static string N(long? n) => n?.ToString("N0", DutchNumbers) ?? "–";
        var html = new StringBuilder();
        html.Append("""
            <!DOCTYPE html>
            <html lang="nl">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Wmo-integratielaag — status</title>
            <style>
              body { font-family: system-ui, sans-serif; margin: 2rem; color: #1a1a1a; max-width: 60rem; }
              table { border-collapse: collapse; width: 100%; margin-bottom: 2rem; }
              th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #ccc; }
              td.num { text-align: right; font-variant-numeric: tabular-nums; }
              .ok { color: #0a6b2d; } .fout { color: #a00000; font-weight: bold; }
            </style>
            </head>
            <body>
            <main>
            <h1>Wmo-integratielaag</h1>
            <p><a href="/dashboard">Naar het dashboard</a> (achterstanden, signalen, levertijden, berichten) · <a href="/api/health">gezondheid (JSON)</a> · <a href="/api/functions">functies (JSON)</a></p>
            <h2>Opslag</h2>
            <table><thead><tr><th scope="col">Dienst</th><th scope="col">Status</th></tr></thead><tbody>
            """);
        foreach (var (service, state) in storage)
        {
            var ok = state == "ok";
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(service)}</td><td class=\"{(ok ? "ok" : "fout")}\">{(ok ? "bereikbaar" : "niet bereikbaar: " + E(state))}</td></tr>");
        }

        html.Append("""
            </tbody></table>
            <h2>Berichten</h2>
            """);
        html.Append(CultureInfo.InvariantCulture,
            $"<p>Ontvangen en gevalideerd, wachtend op routering: <strong>{N(inbox)}</strong> (POST /api/berichten).</p>");
        html.Append("""
            <h2>Functies</h2>
            """);
        if (functions.Count == 0)
        {
            html.Append("<p>Er zijn (nog) geen wachtrij- of timerfuncties actief.</p>");
        }
        else
        {
            html.Append("<table><thead><tr><th scope=\"col\">Functie</th><th scope=\"col\">Trigger</th><th scope=\"col\">Wachtrij of schema</th><th scope=\"col\">In wachtrij</th><th scope=\"col\">Vastgelopen (poison)</th></tr></thead><tbody>");
            foreach (var f in functions)
            {
                var stuck = f.PoisonLength is > 0;
                html.Append(CultureInfo.InvariantCulture,
                    $"<tr><td>{E(f.Name)}</td><td>{(f.Trigger == "queue" ? "wachtrij" : "timer")}</td><td><code>{E(f.Binding)}</code></td><td class=\"num\">{N(f.QueueLength)}</td><td class=\"num{(stuck ? " fout" : string.Empty)}\">{N(f.PoisonLength)}</td></tr>");
            }

            html.Append("</tbody></table>");
        }

        html.Append("""
            <p><a href="/api/health">Gezondheid (JSON)</a> · <a href="/api/functions">Functies (JSON)</a></p>
            </main>
            </body>
            </html>
            """);
        return html.ToString();
    }
}
