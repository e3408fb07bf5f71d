using Wmo.Hub.Notifications;

namespace Wmo.Functions;

/// <summary>
/// The owners of alerts and their contacts: <c>Owners:{party}:Naam|Email|Telefoon|Webhook|WebhookFormat|MaxPerHour|Digest</c>,
/// party = a gemeente's CBS code, an aanbieder's AGB code, or <c>CAK-liaison</c>. WebhookFormat is <c>teams</c>,
/// <c>slack</c> or <c>json</c> (default).
/// </summary>
internal static class NotificationConfiguration
{
    public static OwnerDirectory Owners(IConfiguration config) => new(config.GetSection("Owners").GetChildren().Select(s => new Owner(
        s.Key, s["Naam"], s["Email"], s["Telefoon"],
        Uri.TryCreate(s["Webhook"], UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" ? uri : null,
        s["WebhookFormat"]?.ToLowerInvariant() is WebhookFormat.Teams or WebhookFormat.Slack ? s["WebhookFormat"]!.ToLowerInvariant() : WebhookFormat.Json,
        int.TryParse(s["MaxPerHour"], out var max) && max > 0 ? max : 20,
        !bool.TryParse(s["Digest"], out var digest) || digest)));
}
