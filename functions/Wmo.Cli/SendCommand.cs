using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Wmo.Cli;

/// <summary>
/// <c>wmo send</c>: posts one file, or every .xml file of a folder (sorted by name, so a series keeps its order), to
/// the hub's intake with the sender's key. Made for a supplier on a bad line: a connection error, a timeout, 503 or
/// 429 is retried with backoff (honouring Retry-After); 409 counts as delivered (the hub had it); it never stops at the
/// first problem. Each file's outcome goes to the report as it happens (JSON lines), and a re-run with the same report
/// sends only the files not delivered yet.
/// </summary>
internal static class SendCommand
{
    public const string DefaultUrl = "http://127.0.0.1:7071";

    /// <summary>What happened to one file (a line of the report).</summary>
    internal sealed record FileResult(string File, string Status, Guid? Id, IReadOnlyList<string> Codes, string? Detail)
    {
        public bool Delivered => Status is Accepted or Duplicate;
    }

    public const string Accepted = "accepted";
    public const string Duplicate = "duplicate";
    public const string Rejected = "rejected";
    public const string Unreachable = "unreachable";
    public const string Failed = "failed";

    private static readonly JsonSerializerOptions ReportJson = new(JsonSerializerDefaults.Web);

    public static int Run(string path, string key, Uri url, FileInfo? report, int retries, TimeSpan maxWait, TextWriter stdout, TextWriter stderr)
    {
        var files = Directory.Exists(path)
            ? Directory.GetFiles(path, "*.xml").Order(StringComparer.Ordinal).ToList()
            : File.Exists(path) ? [path] : throw new Cli.UsageException($"'{path}' is neither a file nor a folder");
        if (files.Count == 0)
        {
            stdout.WriteLine($"no .xml files in {path}");
            return Cli.Ok;
        }

        var delivered = report is { Exists: true } ? DeliveredBefore(report.FullName) : [];
        var toSend = files.Where(f => !delivered.Contains(Path.GetFullPath(f))).ToList();
        if (delivered.Count > 0)
        {
            stdout.WriteLine($"{files.Count - toSend.Count} file(s) delivered before according to {report!.FullName}; sending the other {toSend.Count}");
        }

        using var reportWriter = report is null ? null : new StreamWriter(report.FullName, append: true);
        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(100) };
        var results = new List<FileResult>();
        for (var n = 0; n < toSend.Count; n++)
        {
            Progress(stderr, n, toSend.Count, results, null);
            var result = Send(http, toSend[n], key, retries, maxWait, wait => Progress(stderr, n, toSend.Count, results, wait));
            results.Add(result);
            reportWriter?.WriteLine(JsonSerializer.Serialize(result with { File = Path.GetFullPath(result.File) }, ReportJson));
            reportWriter?.Flush(); // a re-run after Ctrl+C or a crash knows what got through
        }

        Progress(stderr, toSend.Count, toSend.Count, results, null);
        stderr.WriteLine();
        var count = (string status) => results.Count(r => r.Status == status);
        var notDelivered = count(Unreachable) + count(Failed);
        stdout.WriteLine($"{toSend.Count} file(s): {count(Accepted)} accepted, {count(Rejected)} rejected, {count(Duplicate)} duplicate(s)"
            + (notDelivered > 0 ? $", {notDelivered} not delivered (hub unreachable or failing; run again{(report is null ? " with --report FILE to send only those" : " with the same --report")})" : string.Empty));
        foreach (var r in results.Where(r => !r.Delivered))
        {
            stdout.WriteLine($"  {r.Status} {Path.GetFileName(r.File)}: {r.Detail}");
        }

        return results.All(r => r.Delivered) ? Cli.Ok : Cli.Invalid;
    }

    /// <summary>The files a report lists as delivered (its last line per file counts).</summary>
    private static HashSet<string> DeliveredBefore(string report)
    {
        var last = new Dictionary<string, FileResult>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(report).Where(l => l.Length > 0))
        {
            try
            {
                if (JsonSerializer.Deserialize<FileResult>(line, ReportJson) is { } r)
                {
                    last[r.File] = r;
                }
            }
            catch (JsonException)
            {
                // A line cut short by a crash: that file is sent again (intake answers 409 if it had arrived).
            }
        }

        return [.. last.Values.Where(r => r.Delivered).Select(r => r.File)];
    }

    private static FileResult Send(HttpClient http, string file, string key, int retries, TimeSpan maxWait, Action<TimeSpan> waiting)
    {
        var body = File.ReadAllBytes(file);
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/berichten") { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/xml");
            request.Headers.Add("X-Api-Key", key);
            TimeSpan? retryAfter;
            string problem;
            try
            {
                using var response = http.Send(request);
                var text = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
                switch (response.StatusCode)
                {
                    case HttpStatusCode.Accepted:
                        return new FileResult(file, Accepted, Id(text), [], null);
                    case HttpStatusCode.Conflict:
                        return new FileResult(file, Duplicate, Id(text), [], "the hub had it already");
                    case HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout:
                        retryAfter = response.Headers.RetryAfter?.Delta
                            ?? (response.Headers.RetryAfter?.Date is { } at ? at - DateTimeOffset.UtcNow : null);
                        problem = $"{(int)response.StatusCode} {Reason(text)}";
                        break;
                    case >= HttpStatusCode.InternalServerError:
                        retryAfter = null;
                        problem = $"{(int)response.StatusCode} {Reason(text)}";
                        break;
                    default:
                        return new FileResult(file, Rejected, null, Codes(text), $"{(int)response.StatusCode} {Reason(text)}");
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
            {
                retryAfter = null;
                problem = ex is TaskCanceledException ? "no answer within 100 s" : ex.Message;
            }

            if (attempt > retries)
            {
                return new FileResult(file, problem.StartsWith('5') ? Failed : Unreachable, null, [], $"{problem} (after {attempt} attempts)");
            }

            // Exponential backoff with jitter (1, 2, 4 … s, at most maxWait), or what the hub asked for.
            var backoff = TimeSpan.FromSeconds(Math.Pow(2, attempt - 1) * (0.8 + Random.Shared.NextDouble() * 0.4));
            var wait = retryAfter is { } asked && asked > TimeSpan.Zero ? asked : backoff;
            wait = wait > maxWait ? maxWait : wait;
            waiting(wait);
            Thread.Sleep(wait);
        }
    }

    private static void Progress(TextWriter stderr, int done, int total, List<FileResult> results, TimeSpan? waiting)
    {
        const int width = 30;
        var filled = total == 0 ? width : done * width / total;
        var failing = results.Count(r => !r.Delivered);
        stderr.Write($"\r[{new string('#', filled)}{new string('.', width - filled)}] {done}/{total}"
            + (failing > 0 ? $" ({failing} not delivered)" : string.Empty)
            + (waiting is { } w ? $" hub not answering; retrying in {w.TotalSeconds.ToString("F0", CultureInfo.InvariantCulture)} s " : "                                  "));
    }

    private static Guid? Id(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.TryGetProperty("id", out var id) && id.TryGetGuid(out var g) ? g : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The retourcodes (422) or schema error codes (400) of a refusal.</summary>
    private static IReadOnlyList<string> Codes(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.TryGetProperty("retourCodes", out var codes) && codes.ValueKind == JsonValueKind.Array)
            {
                return [.. codes.EnumerateArray().Select(c => c.GetString()!)];
            }

            return root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array
                ? [.. errors.EnumerateArray().Select(e => e.GetProperty("code").GetString()!).Distinct()]
                : [];
        }
        catch (JsonException)
        {
            return [];
        }
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
