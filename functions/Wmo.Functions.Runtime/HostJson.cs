using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace Wmo.Functions.Runtime;

/// <summary>
/// The parts of Azure Functions' <c>host.json</c> this runtime honours, with Azure's defaults
/// (Microsoft.Azure.WebJobs.Extensions.Storage.Queues 5.x QueuesOptions, SingletonOptions, functionTimeout).
/// </summary>
public sealed record HostJson
{
    public QueuesOptions Queues { get; init; } = new();

    public SingletonOptions Singleton { get; init; } = new();

    /// <summary>Upper bound for one invocation; null = unbounded.</summary>
    public TimeSpan? FunctionTimeout { get; init; }

    /// <summary>The configuration section whose keys override host.json values, as Azure app settings
    /// <c>AzureFunctionsJobHost__extensions__queues__batchSize</c> do.</summary>
    public const string OverrideSection = "AzureFunctionsJobHost";

    public static HostJson Load(string path, IConfiguration? overrides = null)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"host.json not found at {path}.", path);
        }

        return Parse(File.ReadAllText(path), path, overrides);
    }

    public static HostJson Parse(string json, string source = "host.json", IConfiguration? overrides = null)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new HostJsonException($"{source} is not valid JSON: {ex.Message}");
        }

        if (root is not JsonObject obj)
        {
            throw new HostJsonException($"{source} must be a JSON object.");
        }

        ApplyOverrides(obj, overrides?.GetSection(OverrideSection));
        if (obj["version"]?.ToString() is { } version && version != "2.0")
        {
            throw new HostJsonException($"{source}: version '{version}' is not supported; Azure Functions v4 uses \"2.0\".");
        }

        var q = obj["extensions"]?["queues"];
        var defaults = new QueuesOptions();
        var batchSize = Int(q, "batchSize", defaults.BatchSize, source);
        if (batchSize is < 1 or > 32)
        {
            throw new HostJsonException($"{source}: extensions.queues.batchSize must be 1-32 (got {batchSize}).");
        }

        var queues = new QueuesOptions
        {
            BatchSize = batchSize,
            NewBatchThreshold = q?["newBatchThreshold"] is null ? Environment.ProcessorCount * batchSize / 2 : Int(q, "newBatchThreshold", 0, source),
            MaxDequeueCount = Int(q, "maxDequeueCount", defaults.MaxDequeueCount, source),
            VisibilityTimeout = Span(q, "visibilityTimeout", defaults.VisibilityTimeout, source),
            MaxPollingInterval = Span(q, "maxPollingInterval", defaults.MaxPollingInterval, source),
            MessageEncoding = (q?["messageEncoding"]?.ToString() ?? "base64").ToLowerInvariant() switch
            {
                "base64" => QueueMessageEncoding.Base64,
                "none" => QueueMessageEncoding.None,
                var other => throw new HostJsonException($"{source}: extensions.queues.messageEncoding '{other}' is neither base64 nor none."),
            },
        };
        if (queues.MaxDequeueCount < 1 || queues.NewBatchThreshold < 0)
        {
            throw new HostJsonException($"{source}: extensions.queues.maxDequeueCount must be ≥ 1 and newBatchThreshold ≥ 0.");
        }

        if (queues.MaxPollingInterval < QueuesOptions.MinimumPollingInterval)
        {
            throw new HostJsonException($"{source}: extensions.queues.maxPollingInterval must be at least 100 ms.");
        }

        var s = obj["singleton"];
        var singletonDefaults = new SingletonOptions();
        var singleton = new SingletonOptions
        {
            ListenerLockPeriod = Span(s, "listenerLockPeriod", singletonDefaults.ListenerLockPeriod, source),
            ListenerLockRecoveryPollingInterval = Span(s, "listenerLockRecoveryPollingInterval", singletonDefaults.ListenerLockRecoveryPollingInterval, source),
        };
        if (singleton.ListenerLockPeriod < TimeSpan.FromSeconds(15) || singleton.ListenerLockPeriod > TimeSpan.FromSeconds(60))
        {
            throw new HostJsonException($"{source}: singleton.listenerLockPeriod must be 15-60 seconds (a blob lease).");
        }

        var timeout = obj["functionTimeout"]?.ToString();
        return new HostJson
        {
            Queues = queues,
            Singleton = singleton,
            FunctionTimeout = timeout is null or "-1" ? null : ParseSpan(timeout, "functionTimeout", source),
        };
    }

    private static void ApplyOverrides(JsonObject root, IConfigurationSection? section)
    {
        if (section is null)
        {
            return;
        }

        foreach (var (key, value) in section.AsEnumerable(makePathsRelative: true))
        {
            if (value is null)
            {
                continue;
            }

            var path = key.Split(':');
            var node = root;
            foreach (var segment in path[..^1])
            {
                if (node[segment] is not JsonObject child)
                {
                    child = new JsonObject();
                    node[segment] = child;
                }

                node = child;
            }

            node[path[^1]] = value;
        }
    }

    private static int Int(JsonNode? section, string name, int fallback, string source)
    {
        var node = section?[name];
        if (node is null)
        {
            return fallback;
        }

        return int.TryParse(node.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new HostJsonException($"{source}: {name} '{node}' is not a whole number.");
    }

    private static TimeSpan Span(JsonNode? section, string name, TimeSpan fallback, string source)
    {
        var node = section?[name];
        return node is null ? fallback : ParseSpan(node.ToString(), name, source);
    }

    // host.json accepts "hh:mm:ss" and, for maxPollingInterval, a number of milliseconds.
    private static TimeSpan ParseSpan(string text, string name, string source)
    {
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms))
        {
            return TimeSpan.FromMilliseconds(ms);
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero
            ? span
            : throw new HostJsonException($"{source}: {name} '{text}' is not a duration (hh:mm:ss).");
    }
}

public sealed record QueuesOptions
{
    /// <summary>The first and shortest wait between polls of an empty queue (Azure's QueuePollingIntervals.Minimum).</summary>
    public static readonly TimeSpan MinimumPollingInterval = TimeSpan.FromMilliseconds(100);

    public int BatchSize { get; init; } = 16;

    public int NewBatchThreshold { get; init; } = Environment.ProcessorCount * 16 / 2;

    public int MaxDequeueCount { get; init; } = 5;

    /// <summary>Delay before a failed message is retried (the message's new visibility timeout).</summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.Zero;

    public TimeSpan MaxPollingInterval { get; init; } = TimeSpan.FromMinutes(1);

    public QueueMessageEncoding MessageEncoding { get; init; } = QueueMessageEncoding.Base64;
}

public sealed record SingletonOptions
{
    /// <summary>Lease duration of a listener lock (a timer runs only where this lease is held).</summary>
    public TimeSpan ListenerLockPeriod { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How often a standby instance tries to take a listener lock over.</summary>
    public TimeSpan ListenerLockRecoveryPollingInterval { get; init; } = TimeSpan.FromMinutes(1);
}

public sealed class HostJsonException : Exception
{
    public HostJsonException(string message)
        : base(message)
    {
    }
}
