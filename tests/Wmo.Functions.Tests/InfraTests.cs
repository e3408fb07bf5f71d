using System.Text.Json;
using System.Text.RegularExpressions;

namespace Wmo.Functions.Tests;

/// <summary>
/// infra/main.bicep and its parameter files, checked by the real Bicep CLI (build, lint, build-params), and the
/// compiled template checked against what a Flex Consumption .NET 10 isolated app with identity-based storage needs.
/// What only a subscription can show (what-if, role propagation, Key Vault references resolving) is in infra/README.md.
/// </summary>
public sealed partial class InfraTests
{
    /// <summary>Placeholder values for the secrets the parameter files read from the deploying pipeline's environment.</summary>
    private static readonly Dictionary<string, string> PipelineEnvironment = new()
    {
        ["WMO_HUB_API_KEYS"] = "0363:Gemeente:placeholder-key-0363",
        ["WMO_PERSON_KEY_SECRET"] = "placeholder-person-key-secret",
        ["WMO_ALERT_EMAIL"] = "operations@example.org",
        ["WMO_CAK_ENDPOINT"] = "https://cak.example.org/api/wmo405",
    };

    [Fact]
    public async Task Main_bicep_builds_without_errors_or_warnings()
    {
        var (code, _, errors) = await BicepCli.RunAsync(null, "build", "main.bicep", "--stdout");

        Assert.True(code == 0, errors);
        Assert.DoesNotMatch(Diagnostic(), errors);
    }

    [Fact]
    public async Task Main_bicep_passes_the_linter_with_no_diagnostics()
    {
        var (code, output, errors) = await BicepCli.RunAsync(null, "lint", "main.bicep");

        Assert.True(code == 0, output + errors);
        Assert.DoesNotMatch(Diagnostic(), output + errors);
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    public async Task Every_parameter_file_builds_against_the_template(string environment)
    {
        Assert.Equal(["dev", "prod"], Directory.GetFiles(Path.Combine(BicepCli.Infra, "parameters"), "*.bicepparam").Select(Path.GetFileNameWithoutExtension).Order());

        var (code, output, errors) = await BicepCli.RunAsync(PipelineEnvironment, "build-params", $"parameters/{environment}.bicepparam", "--stdout");

        Assert.True(code == 0, errors);
        Assert.DoesNotMatch(Diagnostic(), errors);
        using var compiled = JsonDocument.Parse(output);
        using var parameters = JsonDocument.Parse(compiled.RootElement.GetProperty("parametersJson").GetString()!);
        Assert.Equal(environment, parameters.RootElement.GetProperty("parameters").GetProperty("environmentName").GetProperty("value").GetString());
        Assert.Equal(PipelineEnvironment["WMO_HUB_API_KEYS"], parameters.RootElement.GetProperty("parameters").GetProperty("hubApiKeys").GetProperty("value").GetString());
    }

    [Fact]
    public async Task A_parameter_file_without_its_pipeline_secrets_does_not_build()
    {
        var (code, _, errors) = await BicepCli.RunAsync(null, "build-params", "parameters/dev.bicepparam", "--stdout");

        Assert.NotEqual(0, code);
        Assert.Contains("WMO_HUB_API_KEYS", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_function_app_is_Flex_Consumption_dotnet_isolated_10_deployed_from_a_blob_container_with_its_own_identity()
    {
        using var template = JsonDocument.Parse(await BicepCli.CompiledTemplateAsync());
        var app = Resource(template, "Microsoft.Web/sites");
        var plan = Resource(template, "Microsoft.Web/serverfarms");

        Assert.Equal("functionapp,linux", app.GetProperty("kind").GetString());
        Assert.Equal("SystemAssigned", app.GetProperty("identity").GetProperty("type").GetString());
        Assert.Equal("FlexConsumption", plan.GetProperty("sku").GetProperty("tier").GetString());
        Assert.Equal("FC1", plan.GetProperty("sku").GetProperty("name").GetString());
        Assert.True(plan.GetProperty("properties").GetProperty("reserved").GetBoolean(), "a Linux plan");

        var config = app.GetProperty("properties").GetProperty("functionAppConfig");
        Assert.Equal("dotnet-isolated", config.GetProperty("runtime").GetProperty("name").GetString());
        Assert.Equal("10.0", config.GetProperty("runtime").GetProperty("version").GetString());
        var deployment = config.GetProperty("deployment").GetProperty("storage");
        Assert.Equal("blobContainer", deployment.GetProperty("type").GetString());
        Assert.Equal("SystemAssignedIdentity", deployment.GetProperty("authentication").GetProperty("type").GetString());
        // The container the template creates, on the app's own account.
        Assert.Contains("variables('deploymentContainer')", deployment.GetProperty("value").GetString(), StringComparison.Ordinal);
        Assert.Equal("app-package", template.RootElement.GetProperty("variables").GetProperty("deploymentContainer").GetString());
        Assert.True(config.GetProperty("scaleAndConcurrency").TryGetProperty("maximumInstanceCount", out _));
    }

    [Fact]
    public async Task Storage_is_reached_by_identity_only_and_secrets_are_Key_Vault_references()
    {
        var text = await BicepCli.CompiledTemplateAsync();
        using var template = JsonDocument.Parse(text);
        var storage = Resource(template, "Microsoft.Storage/storageAccounts").GetProperty("properties");
        Assert.False(storage.GetProperty("allowSharedKeyAccess").GetBoolean());
        Assert.False(storage.GetProperty("allowBlobPublicAccess").GetBoolean());

        var settings = AppSettings(text);
        Assert.Contains("AzureWebJobsStorage__accountName", settings);
        Assert.Contains("AzureWebJobsStorage__credential", settings);
        Assert.DoesNotContain("AzureWebJobsStorage", settings); // no connection string
        // Flex Consumption takes the runtime from functionAppConfig and refuses these settings.
        Assert.DoesNotContain("FUNCTIONS_WORKER_RUNTIME", settings);
        Assert.DoesNotContain("FUNCTIONS_EXTENSION_VERSION", settings);
        Assert.DoesNotContain("WEBSITE_TIME_ZONE", settings); // not supported on Linux plans
        Assert.Matches(@"'Hub__ApiKeys', 'value', format\('@Microsoft\.KeyVault\(SecretUri=\{0\}\)'", text);
        Assert.Matches(@"'Hub__PersonKeySecret', 'value', format\('@Microsoft\.KeyVault\(SecretUri=\{0\}\)'", text);
    }

    [Fact]
    public async Task The_app_identity_holds_blob_queue_and_table_data_roles_on_its_account_and_reads_the_vault()
    {
        var text = await BicepCli.CompiledTemplateAsync();

        // Built-in role ids: Storage Blob Data Owner (host leases, deployment package), Storage Queue Data Contributor,
        // Storage Table Data Contributor, Key Vault Secrets User.
        foreach (var role in new[] { "b7e6dc6d-f1e8-4753-8033-0f276bb0955b", "974c5e8b-45b9-4653-ba55-5f855dd0fb88", "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", "4633458b-17de-408a-b874-0445c86b69e6" })
        {
            Assert.Contains(role, text, StringComparison.Ordinal);
        }

        using var template = JsonDocument.Parse(text);
        var assignments = Resources(template, "Microsoft.Authorization/roleAssignments").ToList();
        Assert.Equal(2, assignments.Count); // the storage roles (a copy loop of three) and the vault role
        var storageRoles = Assert.Single(assignments, a => a.TryGetProperty("copy", out _));
        Assert.Contains("Microsoft.Storage/storageAccounts", storageRoles.GetProperty("scope").GetString(), StringComparison.Ordinal);
        Assert.Equal(
            "[length(createArray(variables('roles').blobDataOwner, variables('roles').queueDataContributor, variables('roles').tableDataContributor))]",
            storageRoles.GetProperty("copy").GetProperty("count").GetString());
    }

    /// <summary>The names of the app settings main.bicep gives the Function App (the fixed list; extras come from parameters).</summary>
    internal static IReadOnlySet<string> AppSettings(string compiledTemplate) =>
        SettingName().Matches(compiledTemplate).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

    private static JsonElement Resource(JsonDocument template, string type) => Assert.Single(Resources(template, type));

    private static IEnumerable<JsonElement> Resources(JsonDocument template, string type) =>
        template.RootElement.GetProperty("resources").EnumerateArray().Where(r => r.GetProperty("type").GetString() == type);

    [GeneratedRegex(@"createObject\('name', '([A-Za-z0-9_]+)', 'value'")]
    private static partial Regex SettingName();

    // Bicep writes each diagnostic as "file(line,col) : Warning|Error CODE: text".
    [GeneratedRegex(@"\) : (Warning|Error) ")]
    private static partial Regex Diagnostic();
}
