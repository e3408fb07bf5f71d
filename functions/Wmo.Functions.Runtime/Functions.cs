using System.Reflection;
using System.Text.RegularExpressions;
using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Wmo.Functions.Runtime;

/// <summary>
/// One <c>[Function]</c> method of a Functions app class, as discovered from its attributes (the same attributes the
/// Worker SDK turns into <c>functions.metadata</c>).
/// </summary>
public abstract record FunctionDefinition(string Name, Type Class, MethodInfo Method);

/// <param name="QueueExpression">Queue name, or a <c>%Setting%</c> expression resolved from configuration.</param>
public sealed record QueueFunctionDefinition(string Name, string QueueExpression, Type Class, MethodInfo Method)
    : FunctionDefinition(Name, Class, Method);

/// <param name="ScheduleExpression">A 6-field NCRONTAB expression, or a <c>%Setting%</c> expression that holds one.</param>
public sealed record TimerFunctionDefinition(string Name, string ScheduleExpression, bool RunOnStartup, Type Class, MethodInfo Method)
    : FunctionDefinition(Name, Class, Method);

/// <param name="Route">The route template without a leading slash (host.json sets no route prefix).</param>
/// <param name="Methods">Upper-case HTTP methods.</param>
public sealed record HttpFunctionDefinition(string Name, string Route, IReadOnlyList<string> Methods, Type Class, MethodInfo Method)
    : FunctionDefinition(Name, Class, Method);

/// <summary>Every function the local runtime hosts (read by the status page and /api/functions).</summary>
public sealed class FunctionCatalog
{
    private readonly List<FunctionDefinition> _functions = [];

    public IReadOnlyList<FunctionDefinition> Functions => _functions;

    public IEnumerable<QueueFunctionDefinition> QueueFunctions => _functions.OfType<QueueFunctionDefinition>();

    public IEnumerable<TimerFunctionDefinition> TimerFunctions => _functions.OfType<TimerFunctionDefinition>();

    public IEnumerable<HttpFunctionDefinition> HttpFunctions => _functions.OfType<HttpFunctionDefinition>();

    internal void Add(FunctionDefinition definition)
    {
        // Function names are unique per app in Azure (they name the function's URL, logs and timer status).
        if (_functions.Any(f => f.Name.Equals(definition.Name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new InvalidOperationException($"A function named '{definition.Name}' is already registered.");
        }

        _functions.Add(definition);
    }
}

/// <summary>
/// Finds the <c>[Function]</c> methods of a class and checks, at start-up, that the runtime can bind every parameter
/// the way the Functions host would: the trigger (<see cref="QueueMessage"/>, string, <see cref="BinaryData"/> or
/// byte[] for a queue; <see cref="TimerInfo"/> for a timer; <see cref="HttpRequest"/> for HTTP) and a
/// <see cref="CancellationToken"/>. A parameter it cannot bind stops the host at start, not at the first message.
/// </summary>
public static class FunctionDiscovery
{
    private static readonly Type[] QueueBodyTypes = [typeof(QueueMessage), typeof(string), typeof(BinaryData), typeof(byte[])];

    public static IEnumerable<FunctionDefinition> InAssembly(Assembly assembly) =>
        assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false }).OrderBy(t => t.FullName, StringComparer.Ordinal).SelectMany(InClass);

    public static IEnumerable<FunctionDefinition> InClass(Type type)
    {
        foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
        {
            if (method.GetCustomAttribute<FunctionAttribute>() is not { } function)
            {
                continue;
            }

            yield return Describe(type, method, function.Name);
        }
    }

    private static FunctionDefinition Describe(Type type, MethodInfo method, string name)
    {
        FunctionDefinition? definition = null;
        foreach (var parameter in method.GetParameters())
        {
            if (parameter.ParameterType == typeof(CancellationToken))
            {
                continue;
            }

            FunctionDefinition? trigger = (parameter.GetCustomAttribute<QueueTriggerAttribute>(), parameter.GetCustomAttribute<TimerTriggerAttribute>(),
                parameter.GetCustomAttribute<HttpTriggerAttribute>()) switch
            {
                ({ } queue, null, null) when QueueBodyTypes.Contains(parameter.ParameterType) => new QueueFunctionDefinition(name, queue.QueueName, type, method),
                (null, { } timer, null) when parameter.ParameterType == typeof(TimerInfo) => new TimerFunctionDefinition(name, timer.Schedule, timer.RunOnStartup, type, method),
                (null, null, { } http) when parameter.ParameterType == typeof(HttpRequest) => new HttpFunctionDefinition(
                    name, http.Route ?? name, [.. (http.Methods ?? ["get", "post"]).Select(m => m.ToUpperInvariant())], type, method),
                _ => throw new InvalidOperationException(
                    $"Function '{name}' ({type.Name}.{method.Name}): the local runtime cannot bind parameter '{parameter.Name}' of type {parameter.ParameterType.Name}. " +
                    "Bind a QueueMessage/string/BinaryData/byte[] queue trigger, a TimerInfo timer trigger, an HttpRequest HTTP trigger, or a CancellationToken."),
            };
            if (definition is not null)
            {
                throw new InvalidOperationException($"Function '{name}' has more than one trigger.");
            }

            definition = trigger;
        }

        return definition ?? throw new InvalidOperationException($"Function '{name}' ({type.Name}.{method.Name}) has no trigger parameter.");
    }
}

/// <summary>
/// Invokes a function as the isolated worker does: a new instance of its class per invocation, created from the
/// invocation's service scope (constructor injection, nothing registered per function), with the trigger value and
/// the cancellation token bound to its parameters.
/// </summary>
public static class FunctionInvoker
{
    /// <returns>What the function returned (for HTTP: its <c>IActionResult</c>), after awaiting it.</returns>
    public static async Task<object?> InvokeAsync(FunctionDefinition function, IServiceProvider services, object trigger, CancellationToken cancellationToken)
    {
        using var phase = Wmo.AzureStorage.StorageMeter.BeginPhase(function.Name);
        var instance = function.Method.IsStatic ? null : ActivatorUtilities.CreateInstance(services, function.Class);
        try
        {
            var arguments = function.Method.GetParameters()
                .Select(p => p.ParameterType == typeof(CancellationToken) ? cancellationToken : Convert(trigger, p.ParameterType))
                .ToArray();
            var result = function.Method.Invoke(instance, BindingFlags.DoNotWrapExceptions, binder: null, arguments, culture: null);
            switch (result)
            {
                case Task task:
                    await task.ConfigureAwait(false);
                    return task.GetType().IsGenericType ? task.GetType().GetProperty(nameof(Task<object>.Result))!.GetValue(task) : null;
                case ValueTask valueTask:
                    await valueTask.ConfigureAwait(false);
                    return null;
                default:
                    return result;
            }
        }
        finally
        {
            switch (instance)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
    }

    private static object Convert(object trigger, Type target) => (trigger, target) switch
    {
        (QueueMessage m, var t) when t == typeof(QueueMessage) => m,
        (QueueMessage m, var t) when t == typeof(string) => m.Body.ToString(),
        (QueueMessage m, var t) when t == typeof(BinaryData) => m.Body,
        (QueueMessage m, var t) when t == typeof(byte[]) => m.Body.ToArray(),
        (TimerInfo timer, var t) when t == typeof(TimerInfo) => timer,
        (HttpRequest request, var t) when t == typeof(HttpRequest) => request,
        _ => throw new InvalidOperationException($"Cannot bind a {trigger.GetType().Name} to a {target.Name} parameter."),
    };
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

    /// <summary>The setting names a binding expression refers to (none for a literal).</summary>
    public static IEnumerable<string> Settings(string expression) => Setting().Matches(expression).Select(m => m.Groups[1].Value);
}
