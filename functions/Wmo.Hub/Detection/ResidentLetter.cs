using System.Globalization;
using System.Net;
using Wmo.Hub.Cak;
using Wmo.Hub.Chain;
using Wmo.Hub.Notifications;

namespace Wmo.Hub.Detection;

/// <summary>
/// The letter a gemeente can send a resident before a stacked CAK invoice arrives: how many months will come at once
/// and roughly how much, and what the resident can do (the VWS letter of 1 December 2015, §5, asks gemeenten to
/// inform residents). For a critical R1 the bill may come (the CAK has not accepted the start yet); for R8 it will
/// come (the CAK accepted the start late). A printable Dutch HTML page; the address block is left to the gemeente's
/// mailing, since the hub holds no addresses.
/// </summary>
public static class ResidentLetter
{
    /// <summary>
    /// A letter for a realised stack (R8), and for a critical, confirmed R1. Not below the threshold (no stapelfactuur
    /// to warn about), not for an unconfirmed prediction (care may not even have started), not once resolved.
    /// </summary>
    public static bool Applies(Alert alert) => alert.Status != AlertStatus.Resolved
        && (alert.Rule == DueRules.RealisedStack || (alert.Rule == DueRules.Stack && alert.Severity == AlertSeverity.Critical && !alert.Unconfirmed));

    public static string Render(Alert alert, ChainState state, Owner? gemeente, Tariffs tariffs, DateOnly today)
    {
        static string E(string? s) => WebUtility.HtmlEncode(s ?? string.Empty);
        var start = DateOnly.ParseExact(alert.Period, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        var naam = state.Client?.Naam;
        var achternaam = naam is null ? null : string.Join(' ', new[] { naam.Geslachtsnaam.Voorvoegsel, naam.Geslachtsnaam.Naam }.Where(p => !string.IsNullOrEmpty(p)));
        var aanhef = state.Client?.Geslacht switch
        {
            "1" => $"Geachte heer {achternaam}",
            "2" => $"Geachte mevrouw {achternaam}",
            _ => achternaam is null ? "Geachte heer of mevrouw" : $"Geachte heer of mevrouw {achternaam}",
        };
        var geadresseerde = naam is null ? string.Empty : string.Join(' ', new[] { naam.Voorletters, achternaam }.Where(p => !string.IsNullOrEmpty(p)));
        var gemeenteNaam = gemeente?.Naam ?? $"Gemeente {alert.Gemeente}";
        var tarief = tariffs.For(today.Year) ?? tariffs.For(today.Year - 1);
        var contact = string.Join(", ", new[] { gemeente?.Telefoon is { } t ? $"telefoon {t}" : null, gemeente?.Email is { } m ? $"e-mail {m}" : null }.Where(c => c is not null));
        var months = alert.MonthsAtRisk ?? 0;
        var amount = alert.AmountAtRiskCents is { } c ? Scanner.Euro(c) : "onbekend";
        var realised = alert.Rule == DueRules.RealisedStack; // the CAK accepted the start: the bill is coming, not "may come"

        return $$"""
            <!DOCTYPE html>
            <html lang="nl">
            <head>
            <meta charset="utf-8">
            <title>Brief eigen bijdrage – {{E(gemeenteNaam)}}</title>
            <style>
              body { font-family: Arial, Helvetica, sans-serif; font-size: 11pt; line-height: 1.45; max-width: 17cm; margin: 2cm auto; color: #000; }
              .afzender { font-weight: bold; margin-bottom: 1.5cm; }
              .adres { min-height: 3cm; margin-bottom: 1cm; }
              .adres .invullen { color: #555; font-style: italic; }
              table.kenmerk td { padding: 0 1em 0 0; vertical-align: top; }
              h2 { font-size: 11pt; margin: 1.2em 0 0.3em; }
              @media print { body { margin: 0; } .geen-print { display: none; } }
            </style>
            </head>
            <body>
            <p class="geen-print" role="note">Voorbeeldbrief van de Wmo-berichtenhub. Vul het adres aan vanuit de gemeentelijke administratie en print deze pagina.</p>
            <div class="afzender">{{E(gemeenteNaam)}}</div>
            <div class="adres">
              <div>{{E(geadresseerde)}}</div>
              <div class="invullen">[adres volgens de basisregistratie personen]</div>
            </div>
            <table class="kenmerk">
              <tr><td>Datum</td><td>{{today.ToString("d MMMM yyyy", Nl)}}</td></tr>
              <tr><td>Betreft</td><td>Uw eigen bijdrage voor ondersteuning uit de Wmo</td></tr>
              <tr><td>Burgerservicenummer</td><td>{{E(alert.MaskedBsn)}}</td></tr>
            </table>
            <p>{{E(aanhef)}},</p>
            <p>U krijgt sinds {{start.ToString("d MMMM yyyy", Nl)}} ondersteuning van de gemeente uit de Wet maatschappelijke ondersteuning (Wmo).
            Voor deze ondersteuning betaalt u een eigen bijdrage. Het CAK int deze bijdrage voor de gemeente. Door een vertraging bij het
            doorgeven van de gegevens aan het CAK heeft u hiervoor nog geen rekening gekregen. Dat is niet uw schuld.</p>
            <h2>Wat betekent dit voor u?</h2>
            <p>Het CAK brengt de eigen bijdrage met terugwerkende kracht in rekening. U krijgt daarom binnenkort {{(realised ? string.Empty : "waarschijnlijk ")}}één
            rekening over <strong>{{months}} maanden</strong>, samen ongeveer <strong>€ {{amount}}</strong>.
            {{(tarief is { } tp ? $"Dat is ten hoogste € {Scanner.Euro(tp)} per maand (het abonnementstarief); " : string.Empty)}}het CAK stelt het
            precieze bedrag vast. Daarna betaalt u weer gewoon per maand.</p>
            <h2>Wat kunt u doen?</h2>
            <ul>
              <li>Houd rekening met deze rekening. Zet het bedrag zo mogelijk alvast apart.</li>
              <li>Kunt u het bedrag niet in één keer betalen? Vraag het CAK dan om een betalingsregeling (hetcak.nl).</li>
              <li>Heeft u vragen over uw ondersteuning of over deze brief? Neem contact op met de gemeente{{(contact.Length > 0 ? ": " + E(contact) : ".")}}</li>
            </ul>
            <p>Wij bieden u onze excuses aan voor de vertraging en de zorgen die deze rekening kan geven.</p>
            <p>Met vriendelijke groet,</p>
            <p>{{E(gemeenteNaam)}}<br>Team Wmo</p>
            </body>
            </html>
            """;
    }

    private static readonly CultureInfo Nl = NlCulture();

    private static CultureInfo NlCulture()
    {
        // The project runs with invariant globalization, so the Dutch month names are given here.
        var culture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        culture.DateTimeFormat.MonthNames = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december", string.Empty];
        culture.DateTimeFormat.MonthGenitiveNames = culture.DateTimeFormat.MonthNames;
        return culture;
    }
}
