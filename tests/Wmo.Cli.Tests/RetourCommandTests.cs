using System.Xml.Linq;
using Wmo.Testing;

namespace Wmo.Cli.Tests;

public sealed class RetourCommandTests : IDisposable
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

    private int Run(params string[] args) => Cli.Run(args, _out, _err);

    [Fact]
    public void An_approved_heenbericht_gets_a_header_only_retour_on_stdout()
    {
        var exit = Run("retour", "--today", "2026-11-22", Example("WMO305"));

        Assert.Equal(Cli.Ok, exit);
        var retour = XDocument.Parse(_out.ToString());
        XNamespace r = "http://www.istandaarden.nl/iwmo/3_2/wmo306/schema";
        Assert.Equal(r + "Bericht", retour.Root!.Name);
        Assert.Equal("419", retour.Root.Element(r + "Header")!.Element(r + "BerichtCode")!.Value);
        Assert.Null(retour.Root.Element(r + "Header")!.Element(r + "RetourCodes"));
    }

    [Fact]
    public void The_same_heenbericht_always_gets_the_same_IdentificatieRetour()
    {
        Run("retour", "--today", "2026-11-22", Example("WMO301"));
        var first = _out.ToString();
        _out.GetStringBuilder().Clear();
        Run("retour", "--today", "2026-11-22", Example("WMO301"));

        Assert.Equal(first, _out.ToString());
    }

    [Fact]
    public void A_Dagtekening_in_the_future_gives_8848_in_the_retour_header()
    {
        var exit = Run("retour", "--today", "2025-01-01", Example("WMO305"));

        Assert.Equal(Cli.Ok, exit);
        Assert.Contains("<wmo306:RetourCode>8848</wmo306:RetourCode>", _out.ToString(), StringComparison.Ordinal);
        Assert.Contains("TR135", _err.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void With_a_gemeente_list_an_unknown_gemeentecode_gives_S300()
    {
        var list = Path.Combine(_dir, "gemeenten.csv");
        File.WriteAllLines(list, ["code;naam;geldig_vanaf;geldig_tot", "0599;Rotterdam;;"]);

        var exit = Run("retour", "--today", "2026-11-22", "--gemeenten", list, Example("WMO305"));

        Assert.Equal(Cli.Ok, exit);
        Assert.Contains("<wmo306:RetourCode>S300</wmo306:RetourCode>", _out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_schema_invalid_message_gets_no_retour_and_exit_one()
    {
        var broken = Path.Combine(_dir, "broken.xml");
        File.WriteAllText(broken, File.ReadAllText(Example("WMO305")).Replace("<wmo305:Bsn>999900006</wmo305:Bsn>", "<wmo305:Bsn>1</wmo305:Bsn>", StringComparison.Ordinal));

        var exit = Run("retour", broken);

        Assert.Equal(Cli.Invalid, exit);
        Assert.Empty(_out.ToString());
        Assert.Contains("no retour", _err.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_declaration_is_answered_with_a_WMO325_that_awards_it_in_full()
    {
        var exit = Run("retour", "--today", "2026-11-22", Example("WMO323"));

        Assert.Equal(Cli.Ok, exit);
        var answer = XDocument.Parse(_out.ToString());
        XNamespace a = "http://www.istandaarden.nl/iwmo/3_2/wmo325/schema";
        Assert.Equal("8001", answer.Root!.Element(a + "DeclaratieAntwoord")!.Element(a + "RetourCodes")!.Value);
    }

    [Fact]
    public void An_answer_is_not_answered_itself()
    {
        var retour = Path.Combine(_dir, "retour.xml");
        Run("retour", "--today", "2026-11-22", Example("WMO305"));
        File.WriteAllText(retour, _out.ToString());

        var exit = Run("retour", retour);

        Assert.Equal(Cli.Usage, exit);
        Assert.Contains("itself an answer", _err.ToString(), StringComparison.Ordinal);
    }
}
