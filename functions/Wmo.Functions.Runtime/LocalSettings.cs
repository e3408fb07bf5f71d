using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Wmo.Functions.Runtime;

/// <summary>
/// Reads <c>local.settings.json</c> the way Azure Functions Core Tools does: every entry of <c>Values</c> becomes a
/// setting (a double underscore separates sections, as in environment variables), <c>ConnectionStrings</c> map to
/// <c>ConnectionStrings:NAME</c>, and <c>Host.LocalHttpPort</c> to <c>Host:LocalHttpPort</c>. Add environment
/// variables after this source: like Core Tools, a variable that is already set wins over the file.
/// </summary>
public static class LocalSettings
{
    public static IConfigurationBuilder AddFunctionsLocalSettings(this IConfigurationBuilder builder, string path, bool optional = true)
    {
        if (!File.Exists(path))
        {
            return optional ? builder : throw new FileNotFoundException($"local.settings.json not found at {path}.", path);
        }

        return builder.AddInMemoryCollection(Read(path));
    }

    public static Dictionary<string, string?> Read(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var result = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var root = doc.RootElement;
        if (root.TryGetProperty("IsEncrypted", out var encrypted) && encrypted.ValueKind == JsonValueKind.True)
        {
            throw new InvalidOperationException($"{path} is encrypted (IsEncrypted: true); this host reads plain settings only.");
        }

        if (root.TryGetProperty("Values", out var values))
        {
            foreach (var value in values.EnumerateObject())
            {
                result[value.Name.Replace("__", ":", StringComparison.Ordinal)] = Text(value.Value);
            }
        }

        if (root.TryGetProperty("ConnectionStrings", out var connections))
        {
            foreach (var c in connections.EnumerateObject())
            {
                result["ConnectionStrings:" + c.Name] = Text(c.Value);
            }
        }

        if (root.TryGetProperty("Host", out var host))
        {
            foreach (var h in host.EnumerateObject())
            {
                result["Host:" + h.Name] = Text(h.Value);
            }
        }

        return result;
    }

    private static string? Text(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Null => null,
        _ => e.GetRawText(),
    };
}
