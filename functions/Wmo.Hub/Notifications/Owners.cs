namespace Wmo.Hub.Notifications;

/// <summary>How an owner's webhook wants its JSON: a Teams incoming-webhook MessageCard, a Slack incoming webhook, or our own.</summary>
public static class WebhookFormat
{
    public const string Teams = "teams";
    public const string Slack = "slack";
    public const string Json = "json";
}

/// <summary>
/// One owner of alerts (a gemeente, an aanbieder, or the CAK liaison) and how to reach them: the contact people see
/// with an alert, and the webhook the notifications go to.
/// </summary>
/// <param name="MaxPerHour">Throttle: at most this many webhook posts per hour; beyond it, what waits goes in one bundle.</param>
public sealed record Owner(string Party, string? Naam, string? Email, string? Telefoon, Uri? Webhook, string Format = WebhookFormat.Json, int MaxPerHour = 20, bool Digest = true);

/// <summary>
/// The owners, configured per party (the host reads <c>Owners:{party}:Naam|Email|Telefoon|Webhook|WebhookFormat|MaxPerHour|Digest</c>;
/// party = CBS code, AGB code, or <c>CAK-liaison</c>). A party without an entry is still an owner; it just has no
/// contact details and gets no webhook notifications (its alerts stay in the API and the dashboard).
/// </summary>
public sealed class OwnerDirectory
{
    private readonly Dictionary<string, Owner> _owners;

    public OwnerDirectory(IEnumerable<Owner> owners) => _owners = owners.ToDictionary(o => o.Party, StringComparer.Ordinal);

    public Owner? Find(string party) => _owners.GetValueOrDefault(party);

    public IEnumerable<Owner> WithWebhook => _owners.Values.Where(o => o.Webhook is not null);
}
