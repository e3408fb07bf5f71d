using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Wmo.Host;

namespace Wmo.Functions.Azure;

// HTTP triggers (route prefix "api", host.json): one per endpoint of the local host, each running that endpoint.
// Authorization is the hub's own (X-Api-Key), so the Functions level is Anonymous.

public sealed class Health(HubRoutes routes)
{
    [Function(nameof(Health))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class PostBericht(HubRoutes routes)
{
    [Function(nameof(PostBericht))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "berichten")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class BerichtHistory(HubRoutes routes)
{
    [Function(nameof(BerichtHistory))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "berichten/{id}")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class MailboxList(HubRoutes routes)
{
    [Function(nameof(MailboxList))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "mailbox")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class MailboxDownload(HubRoutes routes)
{
    [Function(nameof(MailboxDownload))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "mailbox/{id}")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class MailboxAcknowledge(HubRoutes routes)
{
    [Function(nameof(MailboxAcknowledge))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "mailbox/{id}/ack")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class PoisonList(HubRoutes routes)
{
    [Function(nameof(PoisonList))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "admin/poison")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class PoisonReplay(HubRoutes routes)
{
    [Function(nameof(PoisonReplay))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "admin/poison/{id}/replay")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class PersonSearch(HubRoutes routes)
{
    [Function(nameof(PersonSearch))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "personen/zoek")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class PersonCak(HubRoutes routes)
{
    [Function(nameof(PersonCak))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "personen/{id}/cak")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class PersonCakResend(HubRoutes routes)
{
    [Function(nameof(PersonCakResend))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "personen/{id}/cak/opnieuw")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class AlertList(HubRoutes routes)
{
    [Function(nameof(AlertList))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "alerts")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class AlertAcknowledge(HubRoutes routes)
{
    [Function(nameof(AlertAcknowledge))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "alerts/{id}/ack")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class AlertLetter(HubRoutes routes)
{
    [Function(nameof(AlertLetter))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "alerts/{id}/brief")] HttpRequest request) => Handlers.Http(routes, request);
}

public sealed class Scan(HubRoutes routes)
{
    [Function(nameof(Scan))]
    public Task<IActionResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "admin/scan")] HttpRequest request) => Handlers.Http(routes, request);
}
