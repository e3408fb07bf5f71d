using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Wmo.Testing;

namespace Wmo.Hub.Tests;

/// <summary>What the server does with one request: answer after a delay, optionally with Retry-After (seconds).</summary>
public sealed record ScriptedAnswer(int Status, TimeSpan Delay = default, int? RetryAfterSeconds = null)
{
    public static readonly ScriptedAnswer Ok = new(200);
}

/// <summary>
/// A real HTTP endpoint on loopback that answers each request as <see cref="Script"/> says (fail, hang, recover), and
/// records what it accepted (2xx) with the request's <c>X-Message-Id</c> and when each request arrived.
/// </summary>
public sealed class ScriptedHttpServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<string> _accepted = new();
    private readonly ConcurrentQueue<TimeSpan> _arrivals = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _requests;

    public ScriptedHttpServer()
    {
        Url = new Uri($"http://127.0.0.1:{AzuriteFixture.FreePort()}/cak/");
        _listener.Prefixes.Add(Url.ToString());
        _listener.Start();
        _ = Task.Run(LoopAsync);
    }

    public Uri Url { get; }

    /// <summary>Request number (0-based) → answer. Default: accept everything.</summary>
    public Func<int, ScriptedAnswer> Script { get; set; } = _ => ScriptedAnswer.Ok;

    public int Requests => Volatile.Read(ref _requests);

    public IReadOnlyList<string> Accepted => [.. _accepted];

    public IReadOnlyList<TimeSpan> Arrivals => [.. _arrivals];

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        _arrivals.Enqueue(_clock.Elapsed);
        var answer = Script(Interlocked.Increment(ref _requests) - 1);
        try
        {
            await context.Request.InputStream.CopyToAsync(Stream.Null);
            if (answer.Delay > TimeSpan.Zero)
            {
                await Task.Delay(answer.Delay);
            }

            if (answer.Status is >= 200 and < 300)
            {
                _accepted.Enqueue(context.Request.Headers["X-Message-Id"] ?? string.Empty);
            }

            context.Response.StatusCode = answer.Status;
            if (answer.RetryAfterSeconds is { } seconds)
            {
                context.Response.AddHeader("Retry-After", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            context.Response.Close();
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
            // The client gave up (attempt timeout) and closed the connection.
        }
    }

    public void Dispose() => _listener.Close();
}
