using System.Xml.Linq;
using Azure;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Wmo.AzureStorage;

namespace Wmo.Functions;

/// <summary>
/// Browser-facing protections for the API and the dashboard, for both hosts: security headers on every response, and
/// ASP.NET Core's antiforgery for the sign-in form (before a session exists, so the session's own CSRF token cannot
/// serve), its keys shared by every instance through the app's blob storage.
/// </summary>
public static class WebSecurity
{
    public const string AntiforgeryCookie = "wmo_af";
    public const string AntiforgeryField = "_af";

    /// <summary>
    /// No script runs on any page (there is none); styles are the pages' own inline blocks; requests go only to the hub
    /// itself (connect-src: the browser tests read the API from the page); nothing may frame the pages (clickjacking)
    /// and forms post only to the hub.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static void Apply(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "same-origin";
    }

    /// <summary>Antiforgery, with data-protection keys in blob container <c>dataprotection</c> (one key ring for all instances).</summary>
    public static IServiceCollection AddDashboardAntiforgery(this IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName("wmo-integratielaag");
        services.AddOptions<KeyManagementOptions>().Configure<StorageClients>((options, storage) =>
            options.XmlRepository = new BlobXmlRepository(storage.GetBlobContainer("dataprotection")));
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = AntiforgeryCookie;
            options.Cookie.Path = "/dashboard";
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.HttpOnly = true;
            options.FormFieldName = AntiforgeryField;
        });
        return services;
    }

    /// <summary>
    /// Data-protection keys as blobs, so every instance (and every host on the same storage) validates what another
    /// issued. The account admits only the app's identity; the keys are not encrypted at rest beyond storage's own.
    /// </summary>
    private sealed class BlobXmlRepository(BlobContainerClient container) : IXmlRepository
    {
        private bool _created;

        public IReadOnlyCollection<XElement> GetAllElements()
        {
            EnsureContainer();
            return [.. container.GetBlobs(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, "keys/", CancellationToken.None).Select(b => XElement.Parse(container.GetBlobClient(b.Name).DownloadContent().Value.Content.ToString()))];
        }

        public void StoreElement(XElement element, string friendlyName)
        {
            EnsureContainer();
            try
            {
                container.GetBlobClient($"keys/{friendlyName}.xml").Upload(BinaryData.FromString(element.ToString(SaveOptions.DisableFormatting)), overwrite: false);
            }
            catch (RequestFailedException ex) when (ex.IsConflict)
            {
                // Written already (a retry): keys are immutable, the first copy stands.
            }
        }

        private void EnsureContainer()
        {
            if (!_created)
            {
                container.CreateIfNotExists();
                _created = true;
            }
        }
    }
}
