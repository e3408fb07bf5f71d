using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Wmo.Functions;

// HTTP triggers: one per endpoint of the hub (HubRoutes), each running that endpoint with the request Azure binds
// (ASP.NET Core integration). host.json sets no route prefix, so the routes are /api/… and the dashboard's /dashboard/….
// Authorization is the hub's own (X-Api-Key, dashboard session), so the Functions level is Anonymous.

public sealed class HealthFunction(HubRoutes routes)
{
    [Function("Health")]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/health")] HttpRequest request) => routes.InvokeAsync(request);
}

public sealed class PostBerichtFunction(HubRoutes routes)
{
    [Function("PostBericht")]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/berichten")] HttpRequest request) => routes.InvokeAsync(request);
}

public sealed class BerichtHistoryFunction(HubRoutes routes)
{
    [Function("BerichtHistory")]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/berichten/{id}")] HttpRequest request) => routes.InvokeAsync(request);
}

public sealed class MailboxListFunction(HubRoutes routes)
{
    [Function("MailboxList")]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/mailbox")] HttpRequest request) => routes.InvokeAsync(request);
}

public sealed class MailboxDownloadFunction(HubRoutes routes)
{
    [Function("MailboxDownload")]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/mailbox/{id}")] HttpRequest request) => routes.InvokeAsync(request);
}

public sealed class MailboxAcknowledgeFunction(HubRoutes routes)
{
    [Function("MailboxAcknowledge")]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/mailbox/{id}/ack")] HttpRequest request) => routes.InvokeAsync(request);
}

public sealed class PoisonListFunction(HubRoutes routes)
{
    [Function("PoisonList")]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/admin/poison")] HttpRequest request) => routes.InvokeAsync(request);
}

public sealed class StorageOperationsFunction(HubRoutes routes)
{
    [Function("StorageOperations")]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/admin/storage-operations")] HttpRequest request) => routes.InvokeAsync(request);
}

public sealed class PoisonReplayFunction(HubRoutes routes)
{
    [Function("PoisonReplay")]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/admin/poison/{id}/replay")] HttpRequest request) => routes.InvokeAsync(request);
}

public sealed class PersonSearchFunction(HubRoutes routes)
{
    [Function("PersonSearch")]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/personen/zoek")] HttpRequest request) => routes.InvokeAsync(request);
}

public sealed class PersonCakFunction(HubRoutes routes)
{
    [Function("PersonCak")]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/personen/{id}/cak")] HttpRequest request) => routes.InvokeAsync(request);
}

public sealed class PersonCakResendFunction(HubRoutes routes)
{
    [Function("PersonCakResend")]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/personen/{id}/cak/opnieuw")] HttpRequest request) => routes.InvokeAsync(request);
}

public sealed class AlertListFunction(HubRoutes routes)
{
    [Function("AlertList")]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/alerts")] HttpRequest request) => routes.InvokeAsync(request);
}

public sealed class AlertAcknowledgeFunction(HubRoutes routes)
{
    [Function("AlertAcknowledge")]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/alerts/{id}/ack")] HttpRequest request) => routes.InvokeAsync(request);
}

public sealed class AlertLetterFunction(HubRoutes routes)
{
    [Function("AlertLetter")]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/alerts/{id}/brief")] HttpRequest request) => routes.InvokeAsync(request);
}

public sealed class ScanFunction(HubRoutes routes)
{
    [Function("Scan")]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/admin/scan")] HttpRequest request) => routes.InvokeAsync(request);
}

// The dashboard (server-rendered pages, session cookie).

public sealed class DashboardLoginPageFunction(HubRoutes routes)
{
    [Function("DashboardLoginPage")]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/inloggen")] HttpRequest request) => routes.InvokeAsync(request);
}

public sealed class DashboardLoginFunction(HubRoutes routes)
{
    [Function("DashboardLogin")]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "dashboard/inloggen")] HttpRequest request) => routes.InvokeAsync(request);
}

public sealed class DashboardLogoutFunction(HubRoutes routes)
{
    [Function("DashboardLogout")]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "dashboard/uitloggen")] HttpRequest request) => routes.InvokeAsync(request);
}

public sealed class DashboardBacklogFunction(HubRoutes routes)
{
    [Function("DashboardBacklog")]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard")] HttpRequest request) => routes.InvokeAsync(request);
}

public sealed class DashboardAlertsFunction(HubRoutes routes)
{
    [Function("DashboardAlerts")]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/signalen")] HttpRequest request) => routes.InvokeAsync(request);
}

public sealed class DashboardAlertsCsvFunction(HubRoutes routes)
{
    [Function("DashboardAlertsCsv")]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/signalen.csv")] HttpRequest request) => routes.InvokeAsync(request);
}

public sealed class DashboardAcknowledgeFunction(HubRoutes routes)
{
    [Function("DashboardAcknowledge")]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "dashboard/signalen/{id}/afhandelen")] HttpRequest request) => routes.InvokeAsync(request);
}

public sealed class DashboardLeadTimesFunction(HubRoutes routes)
{
    [Function("DashboardLeadTimes")]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/levertijden")] HttpRequest request) => routes.InvokeAsync(request);
}

public sealed class DashboardLeadTimeReportFunction(HubRoutes routes)
{
    [Function("DashboardLeadTimeReport")]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/levertijden/rapport")] HttpRequest request) => routes.InvokeAsync(request);
}

public sealed class DashboardLeadTimeCsvFunction(HubRoutes routes)
{
    [Function("DashboardLeadTimeCsv")]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/levertijden/rapport.csv")] HttpRequest request) => routes.InvokeAsync(request);
}

public sealed class DashboardTimelineFunction(HubRoutes routes)
{
    [Function("DashboardTimeline")]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/traject/{id}")] HttpRequest request) => routes.InvokeAsync(request);
}

public sealed class DashboardMessagesFunction(HubRoutes routes)
{
    [Function("DashboardMessages")]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/berichten")] HttpRequest request) => routes.InvokeAsync(request);
}

public sealed class DashboardPoisonFunction(HubRoutes routes)
{
    [Function("DashboardPoison")]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/berichten/poison")] HttpRequest request) => routes.InvokeAsync(request);
}

public sealed class DashboardReplayFunction(HubRoutes routes)
{
    [Function("DashboardReplay")]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "dashboard/berichten/poison/{id}/opnieuw")] HttpRequest request) => routes.InvokeAsync(request);
}

public sealed class DashboardMessageFunction(HubRoutes routes)
{
    [Function("DashboardMessage")]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/berichten/{id}")] HttpRequest request) => routes.InvokeAsync(request);
}

public sealed class LeadTimeListFunction(HubRoutes routes)
{
    [Function("LeadTimeList")]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/levertijden")] HttpRequest request) => routes.InvokeAsync(request);
}
