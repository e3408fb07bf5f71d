using Wmo.AzureStorage;

namespace Wmo.Cli;

/// <summary>
/// The demo's poisoned message: a routing-queue message that points at an XML that is not in the archive (as after a
/// botched manual restore). Routing fails on it every attempt, so it ends in the poison list with an alert.
/// </summary>
public static class DemoPoison
{
    public static async Task SendAsync(string connectionString, CancellationToken ct)
    {
        // The queue's encoding is host.json's (base64), as the Functions runtime reads it: the clients' default.
        var storage = StorageClients.FromConnectionString(connectionString);
        var id = new Guid("00000000-0000-4000-8000-00000000d0e0");
        var receivedOn = DateTimeOffset.UtcNow.ToString("o", System.Globalization.CultureInfo.InvariantCulture);
        await storage.GetQueue("berichten-in").SendAsync(
            $$"""{"Id":"{{id}}","Blob":"12345678/ontbreekt/{{id:N}}.xml","Bericht":"WMO305","Afzender":"12345678","ReceivedOn":"{{receivedOn}}"}""", ct: ct);
    }
}
