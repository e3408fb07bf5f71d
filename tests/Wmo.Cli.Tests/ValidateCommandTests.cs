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
    [InlineData(new string[] { "validate" }, "at least one FILE")]
    [InlineData(new string[] { "validate", "--bogus", "x.xml" }, "unknown option '--bogus'")]
    [InlineData(new string[] { "validate", "/no/such/file.xml" }, "no such file")]
    [InlineData(new string[] { "validate", "--schemas" }, "--schemas needs a value")]
    [InlineData(new string[] { "frobnicate" }, "unknown command 'frobnicate'")]
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
}
