using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Wmo.Functions.Runtime.Tests;

/// <summary>
/// How the runtime reads a Functions app class: what it discovers from the attributes, what it refuses at start-up
/// (a parameter it could not bind as the Functions host would), and what it binds at invocation.
/// </summary>
public sealed class FunctionDiscoveryTests
{
    private sealed class Mixed
    {
        [Function("Q")]
        public static void Queue([QueueTrigger("%Q%", Connection = "AzureWebJobsStorage")] string body) => _ = body;

        [Function("T")]
        public static void Timer([TimerTrigger("0 */5 * * * *", RunOnStartup = true)] TimerInfo timer) => _ = timer;

        [Function("H")]
        public static void Http([HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", Route = "api/x/{id}")] HttpRequest request) => _ = request;

        public static void NotAFunction([QueueTrigger("ignored")] string body) => _ = body;
    }

    private sealed class WithContext
    {
        [Function("NeedsContext")]
        public static void Run([QueueTrigger("q")] string body, FunctionContext context) => _ = (body, context);
    }

    private sealed class WrongType
    {
        [Function("WrongType")]
        public static void Run([TimerTrigger("* * * * * *")] string timer) => _ = timer;
    }

    private sealed class NoTrigger
    {
        [Function("NoTrigger")]
        public static void Run(CancellationToken ct) => _ = ct;
    }

    private sealed class Binder
    {
        public static object? Seen { get; set; }

        [Function("Bytes")]
        public static void Bytes([QueueTrigger("q")] byte[] body) => Seen = body;

        [Function("Binary")]
        public static Task<string> Binary([QueueTrigger("q")] BinaryData body, CancellationToken ct) => Task.FromResult(body.ToString() + (ct.CanBeCanceled ? "+ct" : string.Empty));
    }

    [Fact]
    public void Only_Function_methods_are_found_with_their_trigger_binding_and_options()
    {
        var found = FunctionDiscovery.InClass(typeof(Mixed)).ToDictionary(f => f.Name);

        Assert.Equal(["H", "Q", "T"], found.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("%Q%", Assert.IsType<QueueFunctionDefinition>(found["Q"]).QueueExpression);
        var timer = Assert.IsType<TimerFunctionDefinition>(found["T"]);
        Assert.Equal("0 */5 * * * *", timer.ScheduleExpression);
        Assert.True(timer.RunOnStartup);
        var http = Assert.IsType<HttpFunctionDefinition>(found["H"]);
        Assert.Equal("api/x/{id}", http.Route);
        Assert.Equal(["GET", "POST"], http.Methods);
    }

    [Theory]
    [InlineData(typeof(WithContext), "context")]
    [InlineData(typeof(WrongType), "timer")]
    [InlineData(typeof(NoTrigger), "no trigger")]
    public void A_function_the_runtime_could_not_bind_is_refused_at_discovery_naming_the_function_and_parameter(Type type, string named)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => FunctionDiscovery.InClass(type).ToList());

        Assert.Contains(type.Name, ex.Message, StringComparison.Ordinal);
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_functions_with_one_name_are_refused()
    {
        var services = new ServiceCollection();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" }).Build();
        var hostJson = Path.GetTempFileName();
        try
        {
            File.WriteAllText(hostJson, TestRuntimeHost.HostJson());
            var builder = services.AddFunctionsRuntime(configuration, hostJson).AddFunction<Mixed>();

            var ex = Assert.Throws<InvalidOperationException>(() => builder.AddFunction<Mixed>());
            Assert.Contains("is already registered", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(hostJson);
        }
    }

    [Fact]
    public async Task A_queue_message_is_bound_as_bytes_or_BinaryData_with_the_cancellation_token_and_the_result_is_returned()
    {
        var message = QueuesModelFactory.QueueMessage("id-1", "pop", BinaryData.FromString("<Bericht/>"), 2, DateTimeOffset.UtcNow);
        using var provider = new ServiceCollection().BuildServiceProvider();
        var functions = FunctionDiscovery.InClass(typeof(Binder)).ToDictionary(f => f.Name);
        using var cts = new CancellationTokenSource();

        await FunctionInvoker.InvokeAsync(functions["Bytes"], provider, message, cts.Token);
        var result = await FunctionInvoker.InvokeAsync(functions["Binary"], provider, message, cts.Token);

        Assert.Equal("<Bericht/>"u8.ToArray(), Assert.IsType<byte[]>(Binder.Seen));
        Assert.Equal("<Bericht/>+ct", result);
    }
}
