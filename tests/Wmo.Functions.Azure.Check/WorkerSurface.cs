// A minimal, signature-identical surface of the Azure Functions isolated-worker API that the adapter
// (functions/Wmo.Functions.Azure) uses: the packages cannot be restored on this project's machines, so CI compiles the
// adapter's own sources against these declarations and tests its bindings by reflection. Names, namespaces,
// constructors and member types follow Microsoft.Azure.Functions.Worker(.Core, .Extensions.Abstractions,
// .Extensions.Http, .Extensions.Http.AspNetCore, .Extensions.Storage.Queues, .Extensions.Timer) 2.x; bodies are stubs.
// Only what the adapter uses is declared: a call the real API lacks would compile here but not there, so keep it small.
#pragma warning disable CA1019, CA1813, CA1822, CA1716, CA1711, CA1018, CA1050, CS1591
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Azure.Functions.Worker
{
    [AttributeUsage(AttributeTargets.Method)]
    public class FunctionAttribute(string name) : Attribute
    {
        public string Name { get; } = name;
    }

    [AttributeUsage(AttributeTargets.Parameter)]
    public sealed class QueueTriggerAttribute(string queueName) : Attribute
    {
        public string QueueName { get; } = queueName;

        public string? Connection { get; set; }
    }

    [AttributeUsage(AttributeTargets.Parameter)]
    public sealed class TimerTriggerAttribute(string schedule) : Attribute
    {
        public string Schedule { get; } = schedule;

        public bool RunOnStartup { get; set; }

        public bool UseMonitor { get; set; } = true;
    }

    public enum AuthorizationLevel
    {
        Anonymous,
        User,
        Function,
        System,
        Admin,
    }

    [AttributeUsage(AttributeTargets.Parameter)]
    public sealed class HttpTriggerAttribute(AuthorizationLevel authLevel, params string[] methods) : Attribute
    {
        public AuthorizationLevel AuthLevel { get; } = authLevel;

        public string[]? Methods { get; } = methods;

        public string? Route { get; set; }
    }

    public class ScheduleStatus
    {
        public DateTime Last { get; set; }

        public DateTime Next { get; set; }

        public DateTime LastUpdated { get; set; }
    }

    public class TimerInfo
    {
        public ScheduleStatus? ScheduleStatus { get; set; }

        public bool IsPastDue { get; set; }
    }

    public abstract class BindingContext
    {
        public abstract IReadOnlyDictionary<string, object?> BindingData { get; }
    }

    public abstract class FunctionContext
    {
        public abstract BindingContext BindingContext { get; }

        public abstract CancellationToken CancellationToken { get; }
    }
}

namespace Microsoft.Azure.Functions.Worker.Builder
{
    public class FunctionsApplicationBuilder
    {
        internal FunctionsApplicationBuilder()
        {
        }

        public ConfigurationManager Configuration { get; } = new();

        public IServiceCollection Services { get; } = new ServiceCollection();

        public IHost Build() => throw new NotSupportedException("Surface only: runs in Azure Functions.");
    }

    public class FunctionsApplication
    {
        public static FunctionsApplicationBuilder CreateBuilder(string[] args) => new();
    }
}

namespace Microsoft.Extensions.Hosting
{
    public static class FunctionsApplicationBuilderAspNetCoreExtensions
    {
        public static Microsoft.Azure.Functions.Worker.Builder.FunctionsApplicationBuilder ConfigureFunctionsWebApplication(
            this Microsoft.Azure.Functions.Worker.Builder.FunctionsApplicationBuilder builder) => builder;
    }
}
