using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace Wmo.Functions.Runtime;

/// <summary>A queue message as a handler sees it (Azure Functions binds the same facts to a QueueMessage).</summary>
public sealed record QueueTriggerMessage(
    string QueueName,
    string MessageId,
    string Body,
    long DequeueCount,
    DateTimeOffset InsertedOn);

/// <summary>What a timer handler is told about the occurrence it runs for (Azure's TimerInfo).</summary>
public sealed record TimerTriggerInfo(
    DateTimeOffset ScheduledTime,
    bool IsPastDue,
    DateTimeOffset? LastOccurrence,
    DateTimeOffset NextOccurrence);

/// <summary>A queue-triggered handler. Throwing makes the message retried, and after maxDequeueCount poisoned.</summary>
public interface IQueueHandler
{
    Task HandleAsync(QueueTriggerMessage message, CancellationToken cancellationToken);
}

/// <summary>A timer-triggered handler. Runs once per schedule occurrence on one instance at a time.</summary>
public interface ITimerHandler
{
    Task RunAsync(TimerTriggerInfo timer, CancellationToken cancellationToken);
}

public abstract record FunctionDefinition(string Name, Type HandlerType);

/// <param name="QueueExpression">Queue name, or a <c>%Setting%</c> expression resolved from configuration.</param>
public sealed record QueueFunctionDefinition(string Name, string QueueExpression, Type HandlerType)
    : FunctionDefinition(Name, HandlerType);

/// <param name="ScheduleExpression">A 6-field NCRONTAB expression, or a <c>%Setting%</c> expression that holds one.</param>
public sealed record TimerFunctionDefinition(string Name, string ScheduleExpression, bool RunOnStartup, Type HandlerType)
    : FunctionDefinition(Name, HandlerType);

/// <summary>Every function the runtime hosts (read by the status page and by the Azure adapter's binding test).</summary>
public sealed class FunctionCatalog
{
    private readonly List<FunctionDefinition> _functions = [];

    public IReadOnlyList<FunctionDefinition> Functions => _functions;

    public IEnumerable<QueueFunctionDefinition> QueueFunctions => _functions.OfType<QueueFunctionDefinition>();

    public IEnumerable<TimerFunctionDefinition> TimerFunctions => _functions.OfType<TimerFunctionDefinition>();

    internal void Add(FunctionDefinition definition)
    {
        if (_functions.Any(f => f.Name.Equals(definition.Name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new InvalidOperationException($"A function named '{definition.Name}' is already registered.");
        }

        _functions.Add(definition);
    }
}

/// <summary>Resolves <c>%Setting%</c> binding expressions the way Azure Functions does (app settings, then environment).</summary>
public static partial class BindingExpression
{
    [GeneratedRegex("%([^%]+)%")]
    private static partial Regex Setting();

    public static string Resolve(string expression, IConfiguration configuration) =>
        Setting().Replace(expression, m =>
        {
            var key = m.Groups[1].Value;
            return configuration[key.Replace("__", ":", StringComparison.Ordinal)]
                ?? throw new InvalidOperationException($"Binding expression '{expression}' needs app setting '{key}', which is not set.");
        });
}
