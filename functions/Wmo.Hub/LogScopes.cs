using Microsoft.Extensions.Logging;

namespace Wmo.Hub;

/// <summary>
/// The correlation scope an operator follows one message by: every log line written while a message is taken in,
/// routed, relayed to the CAK or turned into an alert carries its <c>BerichtId</c> (a custom dimension in
/// Application Insights, a scope on the console).
/// </summary>
public static class LogScopes
{
    public const string BerichtId = "BerichtId";

    /// <param name="berichtId">The hub's id of the message, as the API shows it (<c>GET /api/berichten/{id}</c>).</param>
    /// <remarks>
    /// A message-template scope: Application Insights takes its <c>BerichtId</c> property as a custom dimension, and the
    /// console prints it as <c>=&gt; BerichtId:…</c>.
    /// </remarks>
    public static IDisposable? BeginBerichtScope(this ILogger logger, Guid berichtId) =>
        logger.BeginScope("BerichtId:{BerichtId}", berichtId.ToString());
}
