using System.Globalization;
using Azure.Data.Tables;
using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Wmo.AzureStorage;
using Wmo.Functions.Runtime;

// Settings come from the environment: AzureWebJobsStorage, ProbeQueue, TickSchedule, Probe__Table, Probe__HostName,
// Runtime__*, AzureFunctionsJobHost__* (host.json overrides). host.json is the repository's, beside the binary.
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddFunctionsRuntime(builder.Configuration, Path.Combine(AppContext.BaseDirectory, "host.json"))
    .AddFunction<ProbeFunction>()
    .AddFunction<TickFunction>();
builder.Services.AddSingleton(sp => sp.GetRequiredService<StorageClients>().GetTable(builder.Configuration["Probe:Table"]!));
var host = builder.Build();
await host.Services.GetRequiredService<TableClient>().CreateIfNotExistsAsync();
Console.WriteLine($"ready pid={Environment.ProcessId}");
await host.RunAsync();

/// <summary>
/// Records every attempt; a body starting with "hang" blocks on its first attempt until cancelled (so a test can
/// kill the process mid-message), and completes on later attempts.
/// </summary>
internal sealed class ProbeFunction(TableClient table, IConfiguration config)
{
    [Function("Probe")]
    public async Task Run([QueueTrigger("%ProbeQueue%")] QueueMessage message, CancellationToken cancellationToken)
    {
        var hostName = config["Probe:HostName"] ?? "host";
        var body = message.Body.ToString();
        await table.UpsertAsync(new TableEntity("attempt-" + body, $"{message.DequeueCount:D2}-{hostName}-{Environment.ProcessId}")
        {
            ["DequeueCount"] = message.DequeueCount,
        }, ct: CancellationToken.None);
        if (body.StartsWith("hang", StringComparison.Ordinal) && message.DequeueCount == 1)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        await table.UpsertAsync(new TableEntity("done-" + body, $"{hostName}-{Environment.ProcessId}")
        {
            ["DequeueCount"] = message.DequeueCount,
        }, ct: CancellationToken.None);
    }
}

/// <summary>Records each occurrence it runs under its own row, so a double run shows up as two rows.</summary>
internal sealed class TickFunction(TableClient table, IConfiguration config)
{
    // ScheduleStatus.Next is the occurrence this run is for (the status as stored before the run, as Azure binds it).
    [Function("Tick")]
    public Task Run([TimerTrigger("%TickSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        table.UpsertAsync(new TableEntity(
            "tick-" + timer.ScheduleStatus!.Next.Ticks.ToString("D20", CultureInfo.InvariantCulture),
            $"{config["Probe:HostName"] ?? "host"}-{Environment.ProcessId}")
        {
            ["PastDue"] = timer.IsPastDue,
        }, ct: cancellationToken);
}
