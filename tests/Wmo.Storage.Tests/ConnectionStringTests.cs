using Wmo.Storage;

namespace Wmo.Storage.Tests;

public class ConnectionStringTests
{
    [Fact]
    public void Development_storage_points_at_the_emulator_ports_with_the_well_known_account()
    {
        var account = StorageAccount.Parse("UseDevelopmentStorage=true");

        Assert.Equal("devstoreaccount1", account.Name);
        Assert.True(account.HasSharedKey);
        Assert.Equal("http://127.0.0.1:10000/devstoreaccount1/", account.BlobEndpoint.AbsoluteUri);
        Assert.Equal("http://127.0.0.1:10001/devstoreaccount1/", account.QueueEndpoint.AbsoluteUri);
        Assert.Equal("http://127.0.0.1:10002/devstoreaccount1/", account.TableEndpoint.AbsoluteUri);
    }

    [Fact]
    public void An_account_connection_string_derives_endpoints_from_name_protocol_and_suffix()
    {
        var account = StorageAccount.Parse(
            "DefaultEndpointsProtocol=https;AccountName=wmoprod;AccountKey=AAAA;EndpointSuffix=core.windows.net");

        Assert.Equal("https://wmoprod.blob.core.windows.net/", account.BlobEndpoint.AbsoluteUri);
        Assert.Equal("https://wmoprod.queue.core.windows.net/", account.QueueEndpoint.AbsoluteUri);
        Assert.Equal("https://wmoprod.table.core.windows.net/", account.TableEndpoint.AbsoluteUri);
    }

    [Fact]
    public void Explicit_endpoints_win_over_derived_ones()
    {
        var account = StorageAccount.Parse(
            "AccountName=devstoreaccount1;AccountKey=AAAA;QueueEndpoint=http://127.0.0.1:20001/devstoreaccount1");

        Assert.Equal("http://127.0.0.1:20001/devstoreaccount1/", account.QueueEndpoint.AbsoluteUri);
        Assert.Equal("https://devstoreaccount1.blob.core.windows.net/", account.BlobEndpoint.AbsoluteUri);
    }

    [Theory]
    [InlineData("AccountKey=AAAA", "AccountName")]
    [InlineData("AccountName=x;AccountKey=not base64!", "base64")]
    [InlineData("AccountName=x;garbage", "Key=Value")]
    [InlineData("AccountName=x;DefaultEndpointsProtocol=ftp", "ftp")]
    public void A_malformed_connection_string_is_refused_with_a_message_that_names_the_problem(string connectionString, string expected)
    {
        var ex = Assert.Throws<FormatException>(() => StorageAccount.Parse(connectionString));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_refused_connection_string_never_echoes_the_account_key()
    {
        var ex = Assert.Throws<FormatException>(() => StorageAccount.Parse("AccountKey;AccountName=x"));

        Assert.DoesNotContain("AccountKey;", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_account_without_key_needs_a_token_credential()
    {
        var account = StorageAccount.ForTokenCredential("wmoprod");

        var ex = Assert.Throws<InvalidOperationException>(() => new StorageClient(account));
        Assert.Contains("token credential", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("Upper")]
    [InlineData("double--hyphen")]
    [InlineData("-leading")]
    public void Invalid_queue_names_are_refused_before_any_request(string name)
    {
        using var client = StorageClient.FromConnectionString("UseDevelopmentStorage=true");

        Assert.Throws<ArgumentException>(() => client.GetQueue(name));
    }
}
