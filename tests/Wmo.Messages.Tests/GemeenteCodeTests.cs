using System.Text.RegularExpressions;
using System.Xml.Linq;
using Wmo.Messages.Model;
using Wmo.Messages.Retour;

namespace Wmo.Messages.Tests;

public sealed partial class GemeenteCodeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("wmo-gemeenten-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [GeneratedRegex(@"^\| (\d{4}) \| ([^|]+) \|", RegexOptions.Multiline)]
    private static partial Regex CbsRow();

    /// <summary>The CBS 2026 list from ../shared/reference in the layer's file format (valid from 2026-01-01).</summary>
    private string Cbs2026()
    {
        var md = File.ReadAllText(Path.Combine(Reference.Root, "iwmo-3.2", "codelijsten", "CBS_Gemeentecodes.md"));
        var path = Path.Combine(_dir, "gemeenten.csv");
        File.WriteAllLines(path, ["code;naam;geldig_vanaf;geldig_tot", .. CbsRow().Matches(md).Select(m => $"{m.Groups[1].Value};{m.Groups[2].Value.Trim()};;")]);
        return path;
    }

    private string Write(params string[] lines)
    {
        var path = Path.Combine(_dir, "custom.csv");
        File.WriteAllLines(path, lines);
        return path;
    }

    private static IIwmoMessage Read(string name) => IwmoXml.Read(XDocument.Load(Path.Combine(Reference.Examples, name + ".xml")));

    [Fact]
    public void The_CBS_list_has_the_342_gemeenten_of_2026()
    {
        var codes = GemeenteCodes.Load(Cbs2026());

        Assert.Equal(342, codes.Count);
        Assert.Equal("Amsterdam", codes.Name("0363"));
    }

    [Theory]
    [MemberData(nameof(Reference.ExampleNames), MemberType = typeof(Reference))]
    public void The_official_examples_name_existing_gemeenten(string file)
    {
        var verdict = MessageRules.Evaluate(Read(Path.GetFileNameWithoutExtension(file)), new DateOnly(2026, 11, 22), GemeenteCodes.Load(Cbs2026()));

        Assert.DoesNotContain(verdict.Findings, f => f.RetourCode == "S300");
    }

    [Fact]
    public void A_gemeentecode_that_does_not_exist_is_S300_on_the_header()
    {
        var codes = GemeenteCodes.Load(Write("code;naam;geldig_vanaf;geldig_tot", "0599;Rotterdam;;"));

        var finding = Assert.Single(MessageRules.Evaluate(Read("WMO305"), new DateOnly(2026, 11, 22), codes).Findings);

        Assert.Equal(("S300", "TR378", (string?)null), (finding.RetourCode, finding.Rule, finding.Location));
        Assert.Contains("0363", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_code_ended_by_a_merger_is_valid_only_for_messages_dated_before_the_merger()
    {
        var codes = GemeenteCodes.Load(Write("# merged into 1979 on 2019-01-01", "0009;Ten Boer;;2018-12-31", "1979;Eemsdelta;2021-01-01;"));

        Assert.True(codes.IsValid("0009", new DateOnly(2018, 12, 31)));
        Assert.False(codes.IsValid("0009", new DateOnly(2019, 1, 1)));
        Assert.False(codes.IsValid("1979", new DateOnly(2020, 12, 31)));
        Assert.True(codes.IsValid("1979", new DateOnly(2021, 1, 1)));
    }

    [Theory]
    [InlineData("363;Amsterdam;;", "four-digit code")]
    [InlineData("0363;Amsterdam;1-1-2026;", "is not a date")]
    [InlineData("# only a comment", "holds no gemeentecode")]
    public void A_malformed_list_is_refused_naming_the_line(string line, string expected)
    {
        var ex = Assert.Throws<FormatException>(() => GemeenteCodes.Load(Write(line)));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }
}
