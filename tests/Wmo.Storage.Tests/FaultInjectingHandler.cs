using System.Net;

namespace Wmo.Storage.Tests;

/// <summary>
/// Sits where the network is (the client's innermost handler): fails the first N attempts the way a flaky network
/// or a throttled service does, then lets requests through to the real Azurite.
/// </summary>
internal sealed class FaultInjectingHandler : DelegatingHandler
{
    private readonly Func<int, HttpResponseMessage?> _fault;
    private int _attempts;

    public FaultInjectingHandler(Func<int, HttpResponseMessage?> fault)
        : base(new SocketsHttpHandler())
    {
        _fault = fault;
    }

    public int Attempts => _attempts;

    public List<HttpRequestMessage> Seen { get; } = [];

    public static FaultInjectingHandler FailFirst(int count, HttpStatusCode status) =>
        new(attempt => attempt <= count ? new HttpResponseMessage(status) : null);

    public static FaultInjectingHandler ResetFirst(int count) =>
        new(attempt => attempt <= count ? throw new HttpRequestException("Connection reset by peer", new IOException("reset")) : null);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var attempt = Interlocked.Increment(ref _attempts);
        lock (Seen)
        {
            Seen.Add(request);
        }

        return _fault(attempt) is { } response ? Task.FromResult(response) : base.SendAsync(request, cancellationToken);
    }
}
