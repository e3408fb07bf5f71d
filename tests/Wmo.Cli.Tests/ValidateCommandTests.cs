using System.Text.Json;
using Wmo.Testing;

namespace Wmo.Cli.Tests;

public sealed class ValidateCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("wmo-cli-").FullName;
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();

    private static string Example(string name) =>
        Path.Combine(RepoPaths.Root, "..", "shared", "reference", "iwmo-3.2", "examples", name + ".xml");

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        _out.Dispose();
        _err.Dispose();
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    private int Run(params string[] args) => Cli.Run(args, _out, _err);

    [Fact]
    public void Valid_files_get_one_line_each_naming_their_message_and_exit_zero()
    {
        var exit = Run("validate", Example("WMO305"), Example("WMO323"));

        Assert.Equal(Cli.Ok, exit);
        Assert.Equal([$"{Example("WMO305")}: valid WMO305", $"{Example("WMO323")}: valid WMO323"], _out.ToString().TrimEnd().Split(Environment.NewLine));
    }

    [Fact]
    public void An_invalid_file_is_listed_with_each_error_and_the_exit_code_is_one()
    {
        var broken = Write("broken.xml", File.ReadAllText(Example("WMO305")).Replace("<wmo305:Bsn>999900006</wmo305:Bsn>", "<wmo305:Bsn>1</wmo305:Bsn>", StringComparison.Ordinal));

        var exit = Run("validate", Example("WMO305"), broken);

        Assert.Equal(Cli.Invalid, exit);
        var lines = _out.ToString().TrimEnd().Split(Environment.NewLine);
        Assert.Equal($"{broken}: invalid", lines[1]);
        Assert.StartsWith("  layer 1 xsd ", lines[2], StringComparison.Ordinal);
        Assert.Contains("/Bericht/Client/Bsn", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public void Json_output_carries_the_same_verdicts_and_error_details()
    {
        var bad = Write("bad.xml", "<x/>");

        var exit = Run("validate", "--json", Example("WMO319"), bad);

        Assert.Equal(Cli.Invalid, exit);
        using var doc = JsonDocument.Parse(_out.ToString());
        var items = doc.RootElement.EnumerateArray().ToList();
        Assert.True(items[0].GetProperty("valid").GetBoolean());
        Assert.Equal("WMO319", items[0].GetProperty("message").GetString());
        Assert.False(items[1].GetProperty("valid").GetBoolean());
        var error = items[1].GetProperty("errors")[0];
        Assert.Equal("unknown-message", error.GetProperty("code").GetString());
        Assert.Equal(1, error.GetProperty("layer").GetInt32());
        Assert.Equal(1, error.GetProperty("line").GetInt32());
    }

    [Theory]
    [InlineData(new string[] { "validate" }, "Required argument missing for command: 'validate'")]
    [InlineData(new string[] { "validate", "--bogus", "x.xml" }, "unknown option '--bogus'")]
    [InlineData(new string[] { "validate", "/no/such/file.xml" }, "File does not exist: '/no/such/file.xml'")]
    [InlineData(new string[] { "validate", "--schemas" }, "Required argument missing for option: '--schemas'")]
    [InlineData(new string[] { "validate", "--today", "2026-02-30", "x.xml" }, "'2026-02-30' is not a date as YYYY-MM-DD")]
    [InlineData(new string[] { "validate", "--gemeenten", "/no/list.csv", "x.xml" }, "cannot load gemeentecodes from '/no/list.csv'")]
    [InlineData(new string[] { "validate", "--max-bytes", "0", "x.xml" }, "--max-bytes takes a positive number")]
    [InlineData(new string[] { "frobnicate" }, "Unrecognized command or argument 'frobnicate'")]
    [InlineData(new string[] { "send", "x.xml" }, "Option '--key' is required")]
    [InlineData(new string[] { "send", "x.xml", "--key", "k", "--url", "ftp://x" }, "'ftp://x' is not an http(s) URL")]
    [InlineData(new string[] { "send", "x.xml", "--key", "k", "--retries", "-1" }, "--retries takes 0 to 100")]
    [InlineData(new string[] { "scan", "--key", "k", "--as-of", "2026-13-01" }, "'2026-13-01' is not a date as YYYY-MM-DD")]
    [InlineData(new string[] { "generate", "--out", "x", "--clients", "0" }, "--clients takes a positive number")]
    public void Usage_errors_exit_two_with_a_message_on_stderr(string[] args, string expected)
    {
        var exit = Run(args);

        Assert.Equal(Cli.Usage, exit);
        Assert.Contains(expected, _err.ToString(), StringComparison.Ordinal);
        Assert.Empty(_out.ToString());
    }

    [Fact]
    public void A_schema_folder_that_cannot_be_loaded_is_a_usage_error_naming_the_folder()
    {
        var exit = Run("validate", "--schemas", _dir, Example("WMO305"));

        Assert.Equal(Cli.Usage, exit);
        Assert.Contains("cannot load schemas", _err.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_official_schemas_can_be_used_instead_of_the_project_ones()
    {
        var official = Path.Combine(RepoPaths.Root, "..", "shared", "reference", "iwmo-3.2", "xsd");

        var exit = Run("validate", "--schemas", official, Example("WMO301"));

        Assert.Equal(Cli.Ok, exit);
    }

    [Fact]
    public void A_message_whose_schema_the_chosen_folder_lacks_is_invalid_with_a_no_schema_error()
    {
        var official = Path.Combine(RepoPaths.Root, "..", "shared", "reference", "iwmo-3.2", "xsd");
        var retour = Write("retour.xml", """
            <wmo306:Bericht xmlns:wmo306="http://www.istandaarden.nl/iwmo/3_2/wmo306/schema"/>
            """);

        var exit = Run("validate", "--schemas", official, retour);

        Assert.Equal(Cli.Invalid, exit);
        Assert.Contains("no-schema", _out.ToString(), StringComparison.Ordinal);
    }

    private string Variant(string name, string from, string to) =>
        Write(name, File.ReadAllText(Example("WMO305")).Replace(from, to, StringComparison.Ordinal));

    [Fact]
    public void A_message_the_layer_would_reject_on_its_BSN_elfproef_is_rejected_with_0001_and_exit_one()
    {
        // 123456789 fits the schema but fails the elfproef: intake answers 422 with retourcode 0001.
        var file = Variant("elfproef.xml", "<wmo305:Bsn>999900006</wmo305:Bsn>", "<wmo305:Bsn>123456789</wmo305:Bsn>");

        var exit = Run("validate", file);

        Assert.Equal(Cli.Invalid, exit);
        Assert.StartsWith($"{file}: rejected WMO305 (retourcode 0001", _out.ToString(), StringComparison.Ordinal);
        Assert.Contains("layer 2 0001 BSN-elfproef", _out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_Dagtekening_after_the_given_today_is_rejected_with_8848_and_schema_only_checks_layer_one_alone()
    {
        var exit = Run("validate", "--today", "2020-01-01", Example("WMO305"));
        var schemaOnly = Run("validate", "--schema-only", "--today", "2020-01-01", Example("WMO305"));

        Assert.Equal(Cli.Invalid, exit);
        Assert.Contains("rejected WMO305 (retourcode 8848", _out.ToString(), StringComparison.Ordinal);
        Assert.Equal(Cli.Ok, schemaOnly);
        Assert.EndsWith($"{Example("WMO305")}: valid WMO305", _out.ToString().TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public void With_the_CBS_list_an_unknown_gemeentecode_is_rejected_with_S300_and_json_carries_the_retourcodes()
    {
        var list = Write("gemeenten.csv", "code;naam;geldig_vanaf;geldig_tot\n9999;Nergenshuizen;2000-01-01;\n");

        var exit = Run("validate", "--json", "--gemeenten", list, Example("WMO305"));

        Assert.Equal(Cli.Invalid, exit);
        using var doc = JsonDocument.Parse(_out.ToString());
        var item = Assert.Single(doc.RootElement.EnumerateArray());
        Assert.False(item.GetProperty("valid").GetBoolean());
        Assert.Equal(["S300"], item.GetProperty("retourCodes").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("TR378", item.GetProperty("findings")[0].GetProperty("rule").GetString());
    }

    [Theory]
    [InlineData("validate", "--schema-only")]
    [InlineData("retour", "--gemeenten")]
    [InlineData("send", "--report")]
    [InlineData("scan", "--as-of")]
    [InlineData("alerts", "--severity")]
    [InlineData("generate", "--missing")]
    [InlineData("demo", "--cak-reject")]
    public void Every_command_has_its_own_help_naming_its_options(string command, string option)
    {
        var exit = Run(command, "--help");

        Assert.Equal(Cli.Ok, exit);
        // The usage line names the program as it was started ("wmo" from ./wmo, the test host here) and the command.
        Assert.Matches($"Usage:\\s+\\S+ {command}", _out.ToString());
        Assert.Contains(option, _out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_top_level_help_lists_every_command()
    {
        Assert.Equal(Cli.Ok, Run("--help"));

        foreach (var command in new[] { "validate", "retour", "send", "scan", "alerts", "generate", "demo" })
        {
            Assert.Contains("  " + command, _out.ToString(), StringComparison.Ordinal);
        }
    }
}
