using System.Globalization;
using Wmo.AzureStorage;
using Wmo.Hub;
using Wmo.Hub.Cak;

namespace Wmo.Functions;

/// <summary>
/// The CAK leg's settings: <c>Cak:Instantie</c> (the CAK's code in WMO405 headers), <c>Cak:Policies:{gemeente|Default}:
/// {Start|Stop|Excluded|Kostprijs}</c>, <c>Cak:Tarieven:{year}</c> (eurocents per month), and the transport:
/// <c>Cak:Transport</c> = <c>mailbox</c> (default: the CAK collects from its mailbox), <c>http</c> (<c>Cak:Endpoint</c>,
/// <c>Cak:ApiKey</c>) or <c>filedrop</c> (<c>Cak:OutFolder</c>).
/// </summary>
internal static class CakConfiguration
{
    public static CakLeg Leg(IConfiguration config, StorageClients storage)
    {
        var section = config.GetSection("Cak:Policies");
        CakPolicy Read(IConfigurationSection s, CakPolicy fallback) => CakPolicies.Read(s["Start"], s["Stop"], s["Excluded"], s["Kostprijs"], fallback);
        var fallback = Read(section.GetSection("Default"), CakPolicy.Default);
        var policies = new CakPolicies(
            section.GetChildren().Where(c => c.Key != "Default").ToDictionary(c => c.Key, c => Read(c, fallback), StringComparer.Ordinal), fallback);
        var tariffs = Tariffs.With(config.GetSection("Cak:Tarieven").GetChildren().Where(c => !string.IsNullOrWhiteSpace(c.Value))
            .Select(c => new KeyValuePair<int, long>(int.Parse(c.Key, CultureInfo.InvariantCulture), long.Parse(c.Value!, CultureInfo.InvariantCulture))));
        return new CakLeg(policies, tariffs, config["Cak:Instantie"] is { Length: > 0 } code ? code : Routing.Cak, new CakOutbox(storage));
    }

    public static ICakTransport Transport(IConfiguration config, IServiceProvider services) => (config["Cak:Transport"] ?? "mailbox").ToLowerInvariant() switch
    {
        "http" => new HttpCakTransport(
            services.GetRequiredService<IHttpClientFactory>().CreateClient(HubHttpClients.Cak),
            new Uri(config["Cak:Endpoint"] ?? throw new InvalidOperationException("Cak:Transport is http but Cak:Endpoint is not set.")),
            config["Cak:ApiKey"]),
        "filedrop" => new FileDropCakTransport(services.GetRequiredService<System.IO.Abstractions.IFileSystem>(),
            config["Cak:OutFolder"] ?? throw new InvalidOperationException("Cak:Transport is filedrop but Cak:OutFolder is not set.")),
        "mailbox" => new MailboxCakTransport(services.GetRequiredService<Mailboxes>()),
        var other => throw new InvalidOperationException($"Cak:Transport '{other}' is not one of mailbox, http, filedrop."),
    };
}
