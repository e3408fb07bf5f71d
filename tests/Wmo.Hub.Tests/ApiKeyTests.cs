using Wmo.AzureStorage;
using Wmo.Testing;

namespace Wmo.Hub.Tests;

public sealed class ApiKeyTests : IClassFixture<AzuriteFixture>
{
    private readonly StorageClients _storage;
    private readonly ApiKeys _keys;

    public ApiKeyTests(AzuriteFixture azurite)
    {
        _storage = azurite.CreateClient();
        _keys = new ApiKeys(_storage, TimeProvider.System);
        _keys.EnsureTableAsync().GetAwaiter().GetResult();
    }

    [Fact]
    public async Task An_issued_key_authenticates_as_its_party_and_role_and_is_stored_only_as_a_hash()
    {
        var party = UniqueName.For("p");
        var key = await _keys.IssueAsync(new Caller(party, Role.Gemeente));

        var caller = await _keys.AuthenticateAsync(key);
        var stored = await _storage.GetTable(ApiKeys.TableName).QueryAsync(TableFilter.Equal("Party", party)).ToListAsync();

        Assert.Equal(new Caller(party, Role.Gemeente), caller);
        var row = Assert.Single(stored);
        Assert.Equal(ApiKeys.Hash(key), row.RowKey);
        Assert.DoesNotContain(row.Select(p => p.Value), v => v is string s && s.Contains(key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rotation_issues_a_new_key_and_revoking_the_old_one_stops_only_that_one()
    {
        var caller = new Caller(UniqueName.For("p"), Role.Aanbieder);
        var old = await _keys.IssueAsync(caller);
        var replacement = await _keys.IssueAsync(caller);

        Assert.True(await _keys.RevokeAsync(ApiKeys.Hash(old)));

        Assert.Null(await _keys.AuthenticateAsync(old));
        Assert.Equal(caller, await _keys.AuthenticateAsync(replacement));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("unknown-key-value")]
    public async Task An_absent_or_unknown_key_authenticates_nobody(string? key)
    {
        Assert.Null(await _keys.AuthenticateAsync(key));
    }

    [Fact]
    public async Task Registering_a_seeded_key_twice_changes_nothing_but_reusing_it_for_another_party_is_refused()
    {
        var key = "seed-" + Guid.NewGuid().ToString("N");
        await _keys.RegisterAsync(new Caller("0363", Role.Gemeente), key);
        await _keys.RegisterAsync(new Caller("0363", Role.Gemeente), key);

        await Assert.ThrowsAsync<InvalidOperationException>(() => _keys.RegisterAsync(new Caller("0599", Role.Gemeente), key));
        Assert.Equal(new Caller("0363", Role.Gemeente), await _keys.AuthenticateAsync(key));
    }

    [Fact]
    public void A_seed_setting_is_party_role_key_entries_and_a_bad_one_is_refused_without_echoing_the_key()
    {
        var seeds = ApiKeys.ParseSeed("0363:Gemeente:demo-gemeente-0363-key; 65656055:aanbieder:demo-aanbieder-65656055-key").ToList();

        Assert.Equal([new Caller("0363", Role.Gemeente), new Caller("65656055", Role.Aanbieder)], seeds.Select(s => s.Caller));
        var ex = Assert.Throws<FormatException>(() => ApiKeys.ParseSeed("0363:Burgemeester:secret-key-value-123").ToList());
        Assert.DoesNotContain("secret-key-value-123", ex.Message, StringComparison.Ordinal);
    }
}
