using System.IO.Abstractions;
using System.Net;
using Wmo.Hub.Cak;

namespace Wmo.Hub.Tests;

public sealed class CakTransportTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("wmo-cak-out-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static PendingWmo405 Item() => new("r", Guid.NewGuid(), "blob", "0363", "ABC123");

    [Fact]
    public async Task The_file_drop_writes_each_WMO405_under_its_Identificatie_and_leaves_no_temporary_file()
    {
        var transport = new FileDropCakTransport(new FileSystem(), Path.Combine(_folder, "naar-cak"));

        await transport.SendAsync(Item(), "ABC123", "<x/>"u8.ToArray(), CancellationToken.None);
        await transport.SendAsync(Item(), "ABC123", "<y/>"u8.ToArray(), CancellationToken.None); // a resend replaces, never doubles

        var files = Directory.GetFiles(Path.Combine(_folder, "naar-cak"));
        Assert.Equal("WMO405_ABC123.xml", Path.GetFileName(Assert.Single(files)));
        Assert.Equal("<y/>", await File.ReadAllTextAsync(files[0]));
    }

    [Fact]
    public async Task Over_http_a_failing_CAK_is_retried_and_then_the_circuit_opens_instead_of_hammering_it()
    {
        var handler = new CountingHandler(HttpStatusCode.ServiceUnavailable);
        var transport = new HttpCakTransport(new HttpClient(handler), new Uri("http://cak.invalid/wmo405"), "key", TimeProvider.System, TimeSpan.FromMinutes(1));

        await Assert.ThrowsAsync<HttpRequestException>(() => transport.SendAsync(Item(), "A", "<x/>"u8.ToArray(), CancellationToken.None));
        var afterFirst = handler.Calls;
        await Assert.ThrowsAsync<Polly.CircuitBreaker.BrokenCircuitException>(() => transport.SendAsync(Item(), "B", "<x/>"u8.ToArray(), CancellationToken.None));

        Assert.Equal(4, afterFirst); // one attempt and three retries, after which the circuit opened
        Assert.Equal(4, handler.Calls); // the open circuit let nothing through
        Assert.Equal("key", handler.LastKey);
    }

    private sealed class CountingHandler(HttpStatusCode status) : HttpMessageHandler
    {
        public int Calls { get; private set; }

        public string? LastKey { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Calls++;
            LastKey = request.Headers.TryGetValues("X-Api-Key", out var v) ? v.Single() : null;
            return Task.FromResult(new HttpResponseMessage(status));
        }
    }
}
