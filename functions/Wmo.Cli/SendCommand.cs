using System.Net;
using System.Text.Json;

namespace Wmo.Cli;

/// <summary>
/// <c>wmo send</c>: posts one file, or every .xml file of a folder (sorted by name, so a series keeps its order), to
/// the hub's intake with the sender's key, shows progress, and sums up what was accepted, rejected (with the
/// reason) and refused as duplicate.
/// </summary>
internal static class SendCommand
{
    public const string DefaultUrl = "http://127.0.0.1:7071";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var (key, baseUri, _, path) = HubCommands.Parse(args, positional: true);
        if (path is null || key is null)
        {
            throw new Cli.UsageException("send needs FILE or FOLDER and --key KEY");
        }

        var files = Directory.Exists(path)
            ? Directory.GetFiles(path, "*.xml").Order(StringComparer.Ordinal).ToList()
            : File.Exists(path) ? [path] : throw new Cli.UsageException($"'{path}' is neither a file nor a folder");
        if (files.Count == 0)
        {
            stdout.WriteLine($"no .xml files in {path}");
            return Cli.Ok;
        }

        using var http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromMinutes(2) };
        var accepted = 0;
        var duplicates = 0;
        var rejected = new List<string>();
        for (var n = 0; n < files.Count; n++)
        {
            var file = files[n];
            Progress(stderr, n, files.Count);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/berichten") { Content = new ByteArrayContent(File.ReadAllBytes(file)) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/xml");
            request.Headers.Add("X-Api-Key", key);
            HttpResponseMessage response;
            try
            {
                response = http.Send(request);
            }
            catch (HttpRequestException ex)
            {
                stderr.WriteLine();
                stderr.WriteLine($"cannot reach {baseUri}: {ex.Message}");
                return Cli.Invalid;
            }

            using (response)
            {
                var body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
                switch (response.StatusCode)
                {
                    case HttpStatusCode.Accepted:
                        accepted++;
                        break;
                    case HttpStatusCode.Conflict:
                        duplicates++;
                        break;
                    default:
                        rejected.Add($"{Path.GetFileName(file)}: {(int)response.StatusCode} {Reason(body)}");
                        break;
                }
            }
        }

        Progress(stderr, files.Count, files.Count);
        stderr.WriteLine();
        stdout.WriteLine($"{files.Count} file(s): {accepted} accepted, {rejected.Count} rejected, {duplicates} duplicate(s)");
        foreach (var line in rejected)
        {
            stdout.WriteLine("  rejected " + line);
        }

        return rejected.Count == 0 ? Cli.Ok : Cli.Invalid;
    }

    private static void Progress(TextWriter stderr, int done, int total)
    {
        const int width = 30;
        var filled = total == 0 ? width : done * width / total;
        stderr.Write($"\r[{new string('#', filled)}{new string('.', width - filled)}] {done}/{total}");
    }

    /// <summary>The problem's detail, with the retourcodes or the first errors, on one line.</summary>
    private static string Reason(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            var detail = root.TryGetProperty("detail", out var d) ? d.GetString() : null;
            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
            {
                detail += " " + string.Join("; ", errors.EnumerateArray().Take(3).Select(e =>
                    $"{e.GetProperty("code").GetString()} at {e.GetProperty("line")}:{e.GetProperty("column")} {e.GetProperty("message").GetString()}"));
            }

            return detail ?? body;
        }
        catch (JsonException)
        {
            return body.Length > 200 ? body[..200] : body;
        }
    }
}
