using System.IO.Abstractions;
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
}
