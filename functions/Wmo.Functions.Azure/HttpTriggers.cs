using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Wmo.Host;

namespace Wmo.Functions.Azure;

// HTTP triggers: one per endpoint of the local host, each running that endpoint. host.json sets no route prefix, so
// the routes are the local host's (/api/… and the dashboard's /dashboard/…).
// Authorization is the hub's own (X-Api-Key), so the Functions level is Anonymous.

public sealed class Health(HubRoutes routes)
{
    [Function(nameof(Health))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/health")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class PostBericht(HubRoutes routes)
{
    [Function(nameof(PostBericht))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/berichten")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class BerichtHistory(HubRoutes routes)
{
    [Function(nameof(BerichtHistory))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/berichten/{id}")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class MailboxList(HubRoutes routes)
{
    [Function(nameof(MailboxList))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/mailbox")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class MailboxDownload(HubRoutes routes)
{
    [Function(nameof(MailboxDownload))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/mailbox/{id}")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class MailboxAcknowledge(HubRoutes routes)
{
    [Function(nameof(MailboxAcknowledge))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/mailbox/{id}/ack")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class PoisonList(HubRoutes routes)
{
    [Function(nameof(PoisonList))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/admin/poison")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class PoisonReplay(HubRoutes routes)
{
    [Function(nameof(PoisonReplay))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/admin/poison/{id}/replay")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class PersonSearch(HubRoutes routes)
{
    [Function(nameof(PersonSearch))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/personen/zoek")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class PersonCak(HubRoutes routes)
{
    [Function(nameof(PersonCak))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/personen/{id}/cak")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class PersonCakResend(HubRoutes routes)
{
    [Function(nameof(PersonCakResend))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/personen/{id}/cak/opnieuw")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class AlertList(HubRoutes routes)
{
    [Function(nameof(AlertList))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/alerts")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class AlertAcknowledge(HubRoutes routes)
{
    [Function(nameof(AlertAcknowledge))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/alerts/{id}/ack")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class AlertLetter(HubRoutes routes)
{
    [Function(nameof(AlertLetter))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/alerts/{id}/brief")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class Scan(HubRoutes routes)
{
    [Function(nameof(Scan))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/admin/scan")] HttpRequest request) => Handlers.Http(routes, request);
}

// The dashboard (server-rendered pages, session cookie).

public sealed class DashboardLoginPage(HubRoutes routes)
{
    [Function(nameof(DashboardLoginPage))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/inloggen")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class DashboardLogin(HubRoutes routes)
{
    [Function(nameof(DashboardLogin))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "dashboard/inloggen")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class DashboardLogout(HubRoutes routes)
{
    [Function(nameof(DashboardLogout))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "dashboard/uitloggen")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class DashboardBacklog(HubRoutes routes)
{
    [Function(nameof(DashboardBacklog))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class DashboardAlerts(HubRoutes routes)
{
    [Function(nameof(DashboardAlerts))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/signalen")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class DashboardAlertsCsv(HubRoutes routes)
{
    [Function(nameof(DashboardAlertsCsv))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/signalen.csv")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class DashboardAcknowledge(HubRoutes routes)
{
    [Function(nameof(DashboardAcknowledge))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "dashboard/signalen/{id}/afhandelen")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class DashboardLeadTimes(HubRoutes routes)
{
    [Function(nameof(DashboardLeadTimes))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/levertijden")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class DashboardLeadTimeReport(HubRoutes routes)
{
    [Function(nameof(DashboardLeadTimeReport))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/levertijden/rapport")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class DashboardLeadTimeCsv(HubRoutes routes)
{
    [Function(nameof(DashboardLeadTimeCsv))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/levertijden/rapport.csv")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class DashboardTimeline(HubRoutes routes)
{
    [Function(nameof(DashboardTimeline))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/traject/{id}")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class DashboardMessages(HubRoutes routes)
{
    [Function(nameof(DashboardMessages))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/berichten")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class DashboardPoison(HubRoutes routes)
{
    [Function(nameof(DashboardPoison))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/berichten/poison")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class DashboardReplay(HubRoutes routes)
{
    [Function(nameof(DashboardReplay))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "dashboard/berichten/poison/{id}/opnieuw")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class DashboardMessage(HubRoutes routes)
{
    [Function(nameof(DashboardMessage))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/berichten/{id}")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class LeadTimeList(HubRoutes routes)
{
    [Function(nameof(LeadTimeList))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/levertijden")] HttpRequest request) => Handlers.Http(routes, request);
}
