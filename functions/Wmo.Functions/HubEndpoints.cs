using Azure;
using Wmo.AzureStorage;
using Wmo.Hub;
using Wmo.Hub.Cak;
using Wmo.Hub.Chain;
using Wmo.Hub.Detection;
using Wmo.Messages;

namespace Wmo.Functions;

/// <summary>Hub services and the intake endpoint (POST /api/berichten).</summary>
internal static class HubEndpoints
{
    /// <summary>Largest request body read (OP179's 25 MB).</summary>
    public const long MaxBodyBytes = 25L * 1000 * 1000;

    public static IServiceCollection AddHub(this IServiceCollection services, IConfiguration config)
    {
        // Hub:SchemaFolder points validation at another schema folder (e.g. the official XSDs); default: ours.
        services.AddSingleton(_ => SchemaRegistry.Load(config["Hub:SchemaFolder"] is { Length: > 0 } folder ? folder : null));
        services.AddSingleton(_ => new IntakeOptions
        {
            Gemeenten = config["Hub:GemeentenFile"] is { Length: > 0 } file ? GemeenteCodes.Load(file) : null,
            ChainGrace = TimeSpan.TryParse(config["Hub:ChainGrace"], System.Globalization.CultureInfo.InvariantCulture, out var grace) ? grace : TimeSpan.FromMinutes(2),
            ChainRetryDelay = TimeSpan.TryParse(config["Hub:ChainRetryDelay"], System.Globalization.CultureInfo.InvariantCulture, out var delay) ? delay : TimeSpan.FromSeconds(10),
        });
        services.AddSingleton<ApiKeys>();
        services.AddSingleton<Tracking>();
        services.AddSingleton(_ => NotificationConfiguration.Owners(config));
        services.AddSingleton<Wmo.Hub.Notifications.NotificationOutbox>();
        services.AddHubHttpClients(config);
        services.AddSingleton(sp => new Wmo.Hub.Notifications.Notifier(sp.GetRequiredService<Wmo.Hub.Notifications.NotificationOutbox>(),
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(HubHttpClients.Webhooks), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<Alerts>();
        services.AddSingleton<Wmo.Hub.Dashboard.Sessions>();
        services.AddSingleton<Mailboxes>();
        services.AddSingleton(sp => new LedgerStore(sp.GetRequiredService<StorageClients>(), PersonKeySecret(config, sp.GetRequiredService<ILoggerFactory>())));
        services.AddSingleton<PoisonStore>();
        services.AddSingleton<Intake>();
        services.AddSingleton(sp => CakConfiguration.Leg(config, sp.GetRequiredService<StorageClients>()));
        services.AddSingleton(sp => CakConfiguration.Transport(config, sp));
        services.AddSingleton(sp => sp.GetRequiredService<CakLeg>().Outbox);
        services.AddSingleton<CakRelay>();
        services.AddSingleton(sp => new Router(sp.GetRequiredService<Tracking>(), sp.GetRequiredService<Mailboxes>(), sp.GetRequiredService<LedgerStore>(),
            sp.GetRequiredService<StorageClients>(), sp.GetRequiredService<SchemaRegistry>(), sp.GetRequiredService<IntakeOptions>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<CakLeg>(), sp.GetRequiredService<Alerts>(),
            sp.GetRequiredService<DueIndex>(), sp.GetRequiredService<DetectionOptions>(), sp.GetRequiredService<Wmo.Hub.Dashboard.LeadTimes>()));
        services.AddSingleton<Wmo.Hub.Dashboard.LeadTimes>();
        services.AddSingleton<Wmo.Hub.Dashboard.BacklogSnapshots>();
        services.AddSingleton(_ => new DashboardOptions(int.TryParse(config["Dashboard:LeadTimeNormDays"], out var norm) && norm > 0 ? norm : 10));
        services.AddSingleton<DueIndex>();
        services.AddSingleton(_ => new DetectionOptions(
            new WorkingDays((config["Detection:ExtraHolidays"] ?? string.Empty).Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(d => DateOnly.ParseExact(d, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture))),
            int.TryParse(config["Detection:StackThreshold"], out var threshold) && threshold > 0 ? threshold : 2,
            int.TryParse(config["Detection:RetroactiveCapMonths"], out var cap) && cap > 0 ? cap : null));
        services.AddSingleton<Scanner>();
        services.AddSingleton<System.IO.Abstractions.IFileSystem>(new System.IO.Abstractions.FileSystem());
        services.AddSingleton<FileDrop>();
        services.AddSingleton(sp => new Retention(sp.GetRequiredService<StorageClients>(), sp.GetRequiredService<Mailboxes>(), sp.GetRequiredService<Tracking>(),
            sp.GetRequiredService<TimeProvider>(), TimeSpan.FromDays(int.TryParse(config["Hub:RetentionDays"], out var days) && days > 0 ? days : 400),
            sp.GetRequiredService<Wmo.Hub.Notifications.NotificationOutbox>(),
            TimeSpan.FromDays(int.TryParse(config["Hub:NotificationRetentionDays"], out var notificationDays) && notificationDays > 0 ? notificationDays : 30)));
        services.AddSingleton<HubStartup>();
        services.AddHostedService(sp => sp.GetRequiredService<HubStartup>());
        return services;
    }

    /// <summary>
    /// The HMAC key of person ids (Hub:PersonKeySecret). Every host of a deployment must use the same one; production
    /// takes it from Key Vault. Without it a fixed development key is used, and the host says so.
    /// </summary>
    private static string PersonKeySecret(IConfiguration config, ILoggerFactory logs)
    {
        if (config["Hub:PersonKeySecret"] is { Length: > 0 } secret)
        {
            return secret;
        }

        logs.CreateLogger("Wmo.Host").LogWarning("Hub:PersonKeySecret is not set: person ids use the development key. Set it in production.");
        return "wmo-development-person-key";
    }

    public static void MapIntakeEndpoints(this IEndpointRouteBuilder app) =>
        app.MapPost("/api/berichten", ReceiveAsync);

    private static async Task<IResult> ReceiveAsync(HttpContext http, ApiKeys keys, Intake intake, HubStartup startup, ILogger<Intake> logger, CancellationToken ct)
    {
        if (!startup.IsReady)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, "Not ready", "The hub's storage is not ready yet; see /api/health and retry.");
        }

        var caller = await keys.AuthenticateAsync(http.Request.Headers["X-Api-Key"], ct);
        if (caller is null)
        {
            return Problem(StatusCodes.Status401Unauthorized, "Unauthenticated", "Send a valid API key in the X-Api-Key header.");
        }

        // Media types are case-insensitive (RFC 9110 §8.3.1): Application/XML is XML too.
        var mediaType = http.Request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType is not ("application/xml" or "text/xml"))
        {
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"Post one iWmo/iEb message as application/xml (got '{http.Request.ContentType}').");
        }

        if (http.Request.ContentLength > MaxBodyBytes)
        {
            return TooLarge();
        }

        using var body = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = await http.Request.Body.ReadAsync(buffer, ct)) > 0)
        {
            if (body.Length + read > MaxBodyBytes)
            {
                return TooLarge();
            }

            body.Write(buffer, 0, read);
        }

        var result = await intake.ReceiveAsync(caller, body.ToArray(), ct);
        if (result is IntakeResult.Accepted accepted)
        {
            // The first line of the message's correlation scope: routing, the CAK relay and alerts log under the same id.
            using var correlation = logger.BeginBerichtScope(accepted.Id);
            logger.LogInformation("{Bericht} {Id} accepted from {Sender}{Resumed}", accepted.Type.Name, accepted.Id, caller.Party, accepted.Resumed ? " (resumed)" : string.Empty);
        }

        return result switch
        {
            IntakeResult.Accepted a => Results.Json(
                new { id = a.Id, bericht = a.Type.Name, berichtCode = a.Type.BerichtCode, status = "queued", resumed = a.Resumed },
                statusCode: StatusCodes.Status202Accepted),
            IntakeResult.SchemaRejected { TooLarge: true } => TooLarge(),
            IntakeResult.SchemaRejected s => Problem(StatusCodes.Status400BadRequest, "Invalid message",
                $"The message failed schema validation with {s.Errors.Count} error(s); no retour is sent for such a message.",
                new Dictionary<string, object?>
                {
                    ["errors"] = s.Errors.Select(e => new { layer = (int)e.Layer, code = e.Code, line = e.Line, column = e.Column, location = e.Location, message = e.Message }),
                }),
            IntakeResult.RulesRejected r => Problem(StatusCodes.Status422UnprocessableEntity, "Message rejected",
                $"The {r.Type} was rejected with retourcode(s) {string.Join(", ", r.Findings.Select(f => f.RetourCode).Distinct())}; it counts as not sent.",
                new Dictionary<string, object?>
                {
                    ["retourCodes"] = r.Findings.Select(f => f.RetourCode).Distinct(),
                    ["findings"] = r.Findings.Select(f => new { retourCode = f.RetourCode, rule = f.Rule, location = f.Location, message = f.Message }),
                    ["retour"] = r.Retour.Declaration + r.Retour.ToString(System.Xml.Linq.SaveOptions.DisableFormatting),
                }),
            IntakeResult.NotAllowed n => Problem(StatusCodes.Status403Forbidden, "Not allowed", n.Reason),
            IntakeResult.Duplicate d => Problem(StatusCodes.Status409Conflict, "Duplicate message",
                $"This {d.Type} (same sender, berichtsoort, Identificatie and Dagtekening) was received before (TR056).",
                new Dictionary<string, object?> { ["id"] = d.OriginalId }),
            _ => throw new InvalidOperationException("Unknown intake result."),
        };
    }

    private static IResult TooLarge() => Problem(StatusCodes.Status413PayloadTooLarge, "Message too large",
        $"A message may be at most {MaxBodyBytes:N0} bytes (OP179); split it.");

    private static IResult Problem(int status, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        Results.Problem(detail: detail, statusCode: status, title: title, extensions: extensions);
}

/// <summary>
/// Creates the hub's tables, container and queue, and registers the configured (demo) API keys. Storage that is not
/// reachable yet (or refuses the key) does not stop the host: it keeps trying, /api/health says what is wrong, and
/// intake answers 503 until this has succeeded.
/// </summary>
public sealed class HubStartup(Intake intake, ApiKeys keys, LedgerStore ledger, PoisonStore poison, Retention retention, CakLeg cak, Alerts alerts, DueIndex due, Wmo.Hub.Notifications.NotificationOutbox notifications, Wmo.Hub.Dashboard.Sessions sessions, Wmo.Hub.Dashboard.LeadTimes leadTimes, Wmo.Hub.Dashboard.BacklogSnapshots backlog, IConfiguration config, TimeProvider time, ILogger<HubStartup> logger) : BackgroundService
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsReady => _ready.Task.IsCompletedSuccessfully;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var seed = ApiKeys.ParseSeed(config["Hub:ApiKeys"]).ToList(); // a malformed setting fails the host at once
        var delay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await intake.EnsureStorageAsync(stoppingToken);
                await keys.EnsureTableAsync(stoppingToken);
                await ledger.EnsureTableAsync(stoppingToken);
                await poison.EnsureTableAsync(stoppingToken);
                await retention.EnsureTableAsync(stoppingToken);
                await cak.Outbox.EnsureTableAsync(stoppingToken);
                await alerts.EnsureTableAsync(stoppingToken);
                await due.EnsureTableAsync(stoppingToken);
                await notifications.EnsureTableAsync(stoppingToken);
                await sessions.EnsureTableAsync(stoppingToken);
                await leadTimes.EnsureTableAsync(stoppingToken);
                await backlog.EnsureTableAsync(stoppingToken);
                foreach (var (caller, key) in seed)
                {
                    await keys.RegisterAsync(caller, key, stoppingToken);
                    logger.LogInformation("API key registered for {Party} as {Role}", caller.Party, caller.Role);
                }

                _ready.TrySetResult();
                return;
            }
            catch (Exception ex) when (ex is RequestFailedException or HttpRequestException or IOException)
            {
                logger.LogWarning(ex, "Hub storage not ready; retrying in {Delay}", delay);
                await Task.Delay(delay, time, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }
}
