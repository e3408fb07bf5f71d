using Microsoft.Extensions.Configuration;

namespace Wmo.Functions.Runtime.Tests;

public sealed class ConfigurationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("wmo-settings-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string json)
    {
        var path = Path.Combine(_dir, "local.settings.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void Values_become_settings_and_double_underscores_become_sections()
    {
        var path = Write("""
            {
              "IsEncrypted": false,
              "Values": { "AzureWebJobsStorage": "UseDevelopmentStorage=true", "Runtime__HostId": "wmo-test", "Port": 7071 },
              "Host": { "LocalHttpPort": 7072 },
              "ConnectionStrings": { "Archive": "x" }
            }
            """);

        var config = new ConfigurationBuilder().AddFunctionsLocalSettings(path).Build();

        Assert.Equal("UseDevelopmentStorage=true", config["AzureWebJobsStorage"]);
        Assert.Equal("wmo-test", config["Runtime:HostId"]);
        Assert.Equal("7071", config["Port"]);
        Assert.Equal("7072", config["Host:LocalHttpPort"]);
        Assert.Equal("x", config.GetConnectionString("Archive"));
    }

    [Fact]
    public void An_environment_variable_wins_over_local_settings_as_in_Core_Tools()
    {
        var path = Write("""{ "Values": { "WMO_TEST_SETTING_OVERRIDE": "from-file" } }""");
        Environment.SetEnvironmentVariable("WMO_TEST_SETTING_OVERRIDE", "from-env");
        try
        {
            var config = new ConfigurationBuilder().AddFunctionsLocalSettings(path).AddEnvironmentVariables().Build();

            Assert.Equal("from-env", config["WMO_TEST_SETTING_OVERRIDE"]);
        }
        finally
        {
            Environment.SetEnvironmentVariable("WMO_TEST_SETTING_OVERRIDE", null);
        }
    }

    [Fact]
    public void An_encrypted_local_settings_file_is_refused_clearly()
    {
        var path = Write("""{ "IsEncrypted": true, "Values": {} }""");

        var ex = Assert.Throws<InvalidOperationException>(() => new ConfigurationBuilder().AddFunctionsLocalSettings(path));

        Assert.Contains("encrypted", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_optional_file_adds_nothing()
    {
        var config = new ConfigurationBuilder().AddFunctionsLocalSettings(Path.Combine(_dir, "absent.json")).Build();

        Assert.Empty(config.AsEnumerable());
    }

    [Fact]
    public void Setting_expressions_resolve_from_configuration()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ScanSchedule"] = "0 0 6 * * *",
            ["Queues:Inbox"] = "berichten-in",
        }).Build();

        Assert.Equal("0 0 6 * * *", BindingExpression.Resolve("%ScanSchedule%", config));
        Assert.Equal("berichten-in", BindingExpression.Resolve("%Queues__Inbox%", config));
        Assert.Equal("plain-queue", BindingExpression.Resolve("plain-queue", config));
    }

    [Fact]
    public void A_setting_expression_naming_a_missing_setting_fails_with_the_setting_name()
    {
        var config = new ConfigurationBuilder().Build();

        var ex = Assert.Throws<InvalidOperationException>(() => BindingExpression.Resolve("%ScanSchedule%", config));

        Assert.Contains("'ScanSchedule'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Runtime_options_read_host_id_lease_grace_and_time_zone()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Runtime:HostId"] = "WMO-Acc",
            ["Runtime:MessageLease"] = "00:00:30",
            ["Runtime:ShutdownGrace"] = "00:00:05",
            ["WEBSITE_TIME_ZONE"] = "Europe/Amsterdam",
        }).Build();

        var options = RuntimeOptions.From(config);

        Assert.Equal("wmo-acc", options.HostId);
        Assert.Equal(TimeSpan.FromSeconds(30), options.MessageLease);
        Assert.Equal(TimeSpan.FromSeconds(5), options.ShutdownGrace);
        Assert.Equal("Europe/Amsterdam", options.ScheduleTimeZone.Id);
    }
}
