using System.Text;
using Wmo.Storage;
using Wmo.Testing;

namespace Wmo.Storage.Tests;


public sealed class BlobContainerClientTests : IClassFixture<AzuriteFixture>, IDisposable
{
    private readonly StorageClient _client;

    public BlobContainerClientTests(AzuriteFixture azurite) => _client = azurite.CreateClient();

    public void Dispose() => _client.Dispose();

    private async Task<BlobContainerClient> NewContainerAsync()
    {
        var container = _client.GetBlobContainer(UniqueName.For("c"));
        await container.CreateIfNotExistsAsync();
        return container;
    }

    [Fact]
    public async Task Creating_a_container_twice_reports_that_it_already_existed()
    {
        var container = _client.GetBlobContainer(UniqueName.For("c"));

        Assert.True(await container.CreateIfNotExistsAsync());
        Assert.False(await container.CreateIfNotExistsAsync());
        Assert.True(await container.DeleteIfExistsAsync());
    }

    [Fact]
    public async Task A_put_blob_comes_back_with_content_type_and_metadata()
    {
        var container = await NewContainerAsync();
        var xml = Encoding.UTF8.GetBytes("<Bericht>é</Bericht>");

        var etag = await container.PutAsync(
            "0363/2026/11/22/bericht 1.xml", xml, "application/xml",
            new Dictionary<string, string> { ["berichtcode"] = "418" });
        var blob = await container.GetAsync("0363/2026/11/22/bericht 1.xml");

        Assert.NotNull(blob);
        Assert.Equal(xml, blob.Content);
        Assert.Equal("application/xml", blob.ContentType);
        Assert.Equal("418", blob.Metadata["berichtcode"]);
        Assert.Equal(etag, blob.ETag);
    }

    [Fact]
    public async Task A_large_blob_of_25_MB_round_trips()
    {
        var container = await NewContainerAsync();
        var content = new byte[25 * 1000 * 1000];
        new Random(7).NextBytes(content);

        await container.PutAsync("big.xml", content);
        var blob = await container.GetAsync("big.xml");

        Assert.Equal(content, blob!.Content);
    }

    [Fact]
    public async Task A_create_only_put_refuses_to_overwrite_and_keeps_the_original()
    {
        var container = await NewContainerAsync();
        await container.PutAsync("archive.xml", "original"u8.ToArray(), condition: BlobCondition.CreateOnly);

        var ex = await Assert.ThrowsAsync<StorageRequestException>(() =>
            container.PutAsync("archive.xml", "overwrite"u8.ToArray(), condition: BlobCondition.CreateOnly));

        Assert.True(ex.IsConflict);
        Assert.Equal("BlobAlreadyExists", ex.ErrorCode);
        Assert.Equal("original"u8.ToArray(), (await container.GetAsync("archive.xml"))!.Content);
    }

    [Fact]
    public async Task A_put_with_a_stale_etag_is_refused()
    {
        var container = await NewContainerAsync();
        var first = await container.PutAsync("status.json", "1"u8.ToArray());
        await container.PutAsync("status.json", "2"u8.ToArray(), condition: new BlobCondition(IfMatch: first));

        var ex = await Assert.ThrowsAsync<StorageRequestException>(() =>
            container.PutAsync("status.json", "3"u8.ToArray(), condition: new BlobCondition(IfMatch: first)));

        Assert.True(ex.IsPreconditionFailed);
        Assert.Equal("2"u8.ToArray(), (await container.GetAsync("status.json"))!.Content);
    }

    [Fact]
    public async Task Getting_or_deleting_a_missing_blob_is_a_normal_outcome()
    {
        var container = await NewContainerAsync();

        Assert.Null(await container.GetAsync("absent.xml"));
        Assert.False(await container.DeleteAsync("absent.xml"));
    }

    [Fact]
    public async Task A_deleted_blob_is_gone()
    {
        var container = await NewContainerAsync();
        await container.PutAsync("x.xml", "x"u8.ToArray());

        Assert.True(await container.DeleteAsync("x.xml"));
        Assert.Null(await container.GetAsync("x.xml"));
    }

    [Fact]
    public async Task Listing_by_prefix_returns_only_matching_blobs_across_pages()
    {
        var container = await NewContainerAsync();
        for (var i = 0; i < 7; i++)
        {
            await container.PutAsync($"0363/msg-{i}.xml", "x"u8.ToArray());
        }

        await container.PutAsync("0599/msg-0.xml", "x"u8.ToArray());

        var listed = await container.ListAsync("0363/", pageSize: 3).ToListAsync();

        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"0363/msg-{i}.xml"), listed.Select(b => b.Name));
        Assert.All(listed, b => Assert.Equal(1, b.Size));
    }

    [Fact]
    public async Task Listing_a_missing_container_fails_with_ContainerNotFound()
    {
        var container = _client.GetBlobContainer(UniqueName.For("missing"));

        var ex = await Assert.ThrowsAsync<StorageRequestException>(() => container.ListAsync().ToListAsync().AsTask());

        Assert.Equal("ContainerNotFound", ex.ErrorCode);
    }

    [Fact]
    public async Task A_lease_is_held_by_one_holder_until_released()
    {
        var container = await NewContainerAsync();
        await container.PutAsync("lock", Array.Empty<byte>());

        var mine = await container.TryAcquireLeaseAsync("lock", TimeSpan.FromSeconds(15));
        var theirs = await container.TryAcquireLeaseAsync("lock", TimeSpan.FromSeconds(15));
        await container.RenewLeaseAsync("lock", mine!);
        await container.ReleaseLeaseAsync("lock", mine!);
        var afterRelease = await container.TryAcquireLeaseAsync("lock", TimeSpan.FromSeconds(15));

        Assert.NotNull(mine);
        Assert.Null(theirs);
        Assert.NotNull(afterRelease);
    }

    [Fact]
    public async Task An_expired_lease_can_be_taken_over_and_the_old_holder_cannot_renew()
    {
        var container = await NewContainerAsync();
        await container.PutAsync("lock", Array.Empty<byte>());
        var old = await container.TryAcquireLeaseAsync("lock", TimeSpan.FromSeconds(15));

        await Task.Delay(TimeSpan.FromSeconds(16));
        var taken = await container.TryAcquireLeaseAsync("lock", TimeSpan.FromSeconds(15));
        var ex = await Assert.ThrowsAsync<StorageRequestException>(() => container.RenewLeaseAsync("lock", old!));

        Assert.NotNull(taken);
        Assert.True(ex.IsConflict);
    }

    [Fact]
    public async Task A_leased_blob_cannot_be_written_without_its_lease_id()
    {
        var container = await NewContainerAsync();
        await container.PutAsync("status", "0"u8.ToArray());
        var lease = await container.TryAcquireLeaseAsync("status", TimeSpan.FromSeconds(15));

        var ex = await Assert.ThrowsAsync<StorageRequestException>(() => container.PutAsync("status", "1"u8.ToArray()));
        await container.PutAsync("status", "2"u8.ToArray(), condition: new BlobCondition(LeaseId: lease));

        Assert.Equal("LeaseIdMissing", ex.ErrorCode);
        Assert.Equal("2"u8.ToArray(), (await container.GetAsync("status"))!.Content);
    }

    [Fact]
    public async Task Acquiring_a_lease_on_a_missing_blob_fails_with_BlobNotFound()
    {
        var container = await NewContainerAsync();

        var ex = await Assert.ThrowsAsync<StorageRequestException>(() => container.TryAcquireLeaseAsync("absent", TimeSpan.FromSeconds(15)));

        Assert.Equal("BlobNotFound", ex.ErrorCode);
    }
}
