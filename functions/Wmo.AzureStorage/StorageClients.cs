using Azure;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Specialized;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Wmo.AzureStorage;

/// <summary>
/// The app's three storage service clients, created once from <see cref="StorageSettings"/>. Stores ask it for the
/// queue, table or container they own; names are checked here so a bad name is a clear local error, not a 400.
/// </summary>
public sealed class StorageClients
{
    public StorageClients(BlobServiceClient blobs, QueueServiceClient queues, TableServiceClient tables)
    {
        Blobs = blobs;
        Queues = queues;
        Tables = tables;
    }

    public BlobServiceClient Blobs { get; }

    public QueueServiceClient Queues { get; }

    public TableServiceClient Tables { get; }

    /// <summary>Shared transactions for concurrent upserts into the same partition (see <see cref="TableGroupCommit"/>).</summary>
    public TableGroupCommit GroupCommit { get; } = new();

    public QueueClient GetQueue(string name) => Queues.GetQueueClient(StorageNames.Queue(name));

    public TableClient GetTable(string name) => Tables.GetTableClient(StorageNames.Table(name));

    public BlobContainerClient GetBlobContainer(string name) => Blobs.GetBlobContainerClient(StorageNames.Container(name));

    /// <summary>
    /// Whether the exception means storage did not answer (connection refused or reset, no response after the SDK's
    /// retries, or the service saying it is unavailable), as opposed to an answer the caller handles (404, 409, 412).
    /// </summary>
    public static bool IsOutage(Exception ex) => ex switch
    {
        RequestFailedException { Status: 0 or 500 or 503 } => true,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsOutage), // "Retry failed after N tries"
        HttpRequestException or System.Net.Sockets.SocketException or IOException => true,
        RequestFailedException => false,
        _ => ex.InnerException is { } inner && IsOutage(inner),
    };

    /// <summary>
    /// Which service an outage was talking to ("blob", "queue" or "table"), read from the endpoint the exception names
    /// (the SDK's transport errors carry it); null when it does not say.
    /// </summary>
    public string? ServiceOf(Exception ex)
    {
        var text = ex.ToString();
        return new[] { ("blob", Blobs.Uri), ("queue", Queues.Uri), ("table", Tables.Uri) }
            .FirstOrDefault(s => text.Contains(s.Uri.Authority, StringComparison.OrdinalIgnoreCase) || text.Contains(s.Uri.Host + ":" + s.Uri.Port, StringComparison.OrdinalIgnoreCase)).Item1;
    }

    /// <summary>Clients for a connection string (CLI, benchmarks, tests); <paramref name="configure"/> may add pipeline policies.</summary>
    public static StorageClients FromConnectionString(string connectionString, Action<ClientOptions>? configure = null) =>
        Create(StorageSettings.FromConnectionString(connectionString), configure);

    public static StorageClients Create(StorageSettings settings, Action<ClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var credential = settings.CreateTokenCredential();
        return new StorageClients(
            CreateBlobServiceClient(settings, credential, Configure(new BlobClientOptions(), configure)),
            CreateQueueServiceClient(settings, credential, Configure(QueueOptions(), configure)),
            CreateTableServiceClient(settings, credential, Configure(new TableClientOptions(), configure)));
    }

    /// <summary>
    /// Queue messages travel base64-encoded, as the Azure Functions queue trigger expects them (a message a Functions
    /// host reads must be base64; one it writes is).
    /// </summary>
    public static QueueClientOptions QueueOptions() => WithPoisonOnDecodingFailure(new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    /// <summary>
    /// A received message that is not valid in the queue's encoding (someone wrote plain text into a base64 queue) is
    /// moved, as it is, to the queue's <c>-poison</c> queue, as the Azure Functions host does: it cannot be handled,
    /// but it is not lost and does not block the queue. Copy first, delete second, so a crash leaves a duplicate.
    /// </summary>
    public static QueueClientOptions WithPoisonOnDecodingFailure(QueueClientOptions options)
    {
        options.MessageDecodingFailed += async args =>
        {
            if (args.ReceivedMessage is not { } message || args.Queue.Name.EndsWith("-poison", StringComparison.Ordinal))
            {
                return; // a peek changes nothing; a poison queue's own odd messages stay where an operator can see them
            }

            var poison = args.Queue.GetParentQueueServiceClient().GetQueueClient(args.Queue.Name + "-poison");
            if (args.IsRunningSynchronously)
            {
                poison.CreateIfNotExists(cancellationToken: args.CancellationToken);
                poison.SendMessage(message.Body, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken: args.CancellationToken);
                args.Queue.DeleteMessage(message.MessageId, message.PopReceipt, args.CancellationToken);
                return;
            }

            await poison.CreateIfNotExistsAsync(cancellationToken: args.CancellationToken).ConfigureAwait(false);
            await poison.SendMessageAsync(message.Body, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken: args.CancellationToken).ConfigureAwait(false);
            await args.Queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, args.CancellationToken).ConfigureAwait(false);
        };
        return options;
    }

    internal static BlobServiceClient CreateBlobServiceClient(StorageSettings s, TokenCredential? credential, BlobClientOptions options) =>
        credential is null ? new BlobServiceClient(s.ConnectionString, options) : new BlobServiceClient(s.BlobServiceUri, credential, options);

    internal static QueueServiceClient CreateQueueServiceClient(StorageSettings s, TokenCredential? credential, QueueClientOptions options) =>
        credential is null ? new QueueServiceClient(s.ConnectionString, options) : new QueueServiceClient(s.QueueServiceUri, credential, options);

    internal static TableServiceClient CreateTableServiceClient(StorageSettings s, TokenCredential? credential, TableClientOptions options) =>
        credential is null ? new TableServiceClient(s.ConnectionString, options) : new TableServiceClient(s.TableServiceUri, credential, options);

    internal static T Configure<T>(T options, Action<ClientOptions>? configure)
        where T : ClientOptions
    {
        // The SDK's exponential retry with jitter: storage throttling (503 ServerBusy) and Azurite under load both
        // recover within seconds; past that the caller (queue trigger, intake) retries or answers 503.
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = 4;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(10);
        var service = options switch { TableClientOptions => "table", QueueClientOptions => "queue", _ => "blob" };
        options.AddPolicy(new StorageMeterPolicy(service, StorageMeter.Shared), HttpPipelinePosition.PerRetry);
        configure?.Invoke(options);
        return options;
    }
}

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the storage clients once, from <c>AzureWebJobsStorage</c> as Azure Functions reads it, through
    /// Microsoft.Extensions.Azure (which also forwards the SDK's own diagnostics to <c>ILogger</c>).
    /// </summary>
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration, Action<ClientOptions>? configure = null)
    {
        var settings = StorageSettings.FromConfiguration(configuration);
        var credential = settings.CreateTokenCredential();
        services.AddSingleton(settings);
        services.AddAzureClients(clients =>
        {
            clients.AddClient<BlobServiceClient, BlobClientOptions>(options =>
                StorageClients.CreateBlobServiceClient(settings, credential, StorageClients.Configure(options, configure)));
            clients.AddClient<QueueServiceClient, QueueClientOptions>(options =>
            {
                options.MessageEncoding = QueueMessageEncoding.Base64;
                StorageClients.WithPoisonOnDecodingFailure(options);
                return StorageClients.CreateQueueServiceClient(settings, credential, StorageClients.Configure(options, configure));
            });
            clients.AddClient<TableServiceClient, TableClientOptions>(options =>
                StorageClients.CreateTableServiceClient(settings, credential, StorageClients.Configure(options, configure)));
        });
        services.AddSingleton(sp => new StorageClients(
            sp.GetRequiredService<BlobServiceClient>(), sp.GetRequiredService<QueueServiceClient>(), sp.GetRequiredService<TableServiceClient>()));
        return services;
    }
}

/// <summary>Name rules of the service, checked before any request so a bad name is a clear local error.</summary>
public static class StorageNames
{
    public static string Queue(string name) => LowerCaseName(name, "queue");

    public static string Container(string name) => LowerCaseName(name, "blob container");

    public static string Table(string name)
    {
        if (name.Length is < 3 or > 63 || !char.IsAsciiLetter(name[0]) || !name.All(char.IsAsciiLetterOrDigit))
        {
            throw new ArgumentException($"'{name}' is not a valid table name (3-63 letters and digits, starting with a letter).", nameof(name));
        }

        return name;
    }

    private static string LowerCaseName(string name, string kind)
    {
        // 3-63 chars, lower-case letters, digits and single hyphens, starting and ending alphanumeric.
        if (name.Length is < 3 or > 63 || !name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            || name.StartsWith('-') || name.EndsWith('-') || name.Contains("--", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{name}' is not a valid {kind} name (3-63 lower-case letters, digits, single hyphens).", nameof(name));
        }

        return name;
    }
}
