using System.Diagnostics;
using System.Text;

namespace Wmo.Messages.Tests;

public class ValidatorTests
{
    private static readonly MessageValidator Validator = new(Reference.Project);

    private static string Example(string name) => File.ReadAllText(Path.Combine(Reference.Examples, name + ".xml"));

    [Fact]
    public void An_invalid_value_is_reported_with_line_column_and_the_location_of_its_element()
    {
        // The example's second StartProduct starts on 2025-04-04; 30 February does not exist.
        var xml = Example("WMO305").Replace("<wmo305:Begindatum>2025-04-04</wmo305:Begindatum>", "<wmo305:Begindatum>2025-02-30</wmo305:Begindatum>", StringComparison.Ordinal);
        Assert.Contains("2025-02-30", xml, StringComparison.Ordinal);

        var error = Assert.Single(Validator.Validate(xml).Errors);

        Assert.Equal(ValidationLayer.Schema, error.Layer);
        Assert.Equal(SchemaErrorCodes.Xsd, error.Code);
        Assert.Equal("/Bericht/Client/StartProducten/StartProduct[2]/Begindatum", error.Location);
        var line = xml[..xml.IndexOf("2025-02-30", StringComparison.Ordinal)].Count(c => c == '\n') + 1;
        Assert.Equal(line, error.Line);
        Assert.True(error.Column > 0);
    }

    [Fact]
    public void Every_error_is_reported_not_only_the_first()
    {
        var xml = Example("WMO305")
            .Replace("<wmo305:Bsn>999900006</wmo305:Bsn>", "<wmo305:Bsn>12</wmo305:Bsn>", StringComparison.Ordinal)
            .Replace("<wmo305:Geslacht>1</wmo305:Geslacht>", "<wmo305:Geslacht>7</wmo305:Geslacht>", StringComparison.Ordinal);

        var errors = Validator.Validate(xml).Errors;

        Assert.Equal(["/Bericht/Client/Bsn", "/Bericht/Client/Geslacht"], errors.Select(e => e.Location));
    }

    [Fact]
    public void A_repeated_element_is_located_with_its_position_among_its_siblings()
    {
        var xml = Example("WMO323");
        var second = xml.IndexOf("<wmo323:Prestatie>", xml.IndexOf("<wmo323:Prestatie>", StringComparison.Ordinal) + 1, StringComparison.Ordinal);
        Assert.True(second > 0, "the example has two prestaties");
        var volume = xml.IndexOf("<wmo323:GeleverdVolume>", second, StringComparison.Ordinal) + "<wmo323:GeleverdVolume>".Length;
        var mutated = xml[..volume] + "-" + xml[volume..];

        var error = Assert.Single(Validator.Validate(mutated).Errors);

        Assert.EndsWith("/Prestatie[2]/GeleverdVolume", error.Location, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_that_is_not_XML_is_refused_as_not_xml_with_its_position()
    {
        var result = Validator.Validate("<wmo305:Bericht xmlns:wmo305=\"http://www.istandaarden.nl/iwmo/3_2/wmo305/schema\">\n<unclosed></wmo305:Bericht>");

        var error = Assert.Single(result.Errors, e => e.Code == SchemaErrorCodes.NotXml);
        Assert.Equal(2, error.Line);
        Assert.Equal(13, error.Column);
        Assert.Equal(MessageCatalog.Wmo305, result.MessageType);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not xml at all")]
    [InlineData("{\"json\": true}")]
    public void Input_without_any_XML_is_refused_as_not_xml(string input)
    {
        var error = Assert.Single(Validator.Validate(input).Errors);

        Assert.Equal(SchemaErrorCodes.NotXml, error.Code);
    }

    [Fact]
    public void An_unknown_root_namespace_is_refused_naming_what_was_found()
    {
        var result = Validator.Validate("<Bericht xmlns=\"http://example.org/other\"/>");

        var error = Assert.Single(result.Errors);
        Assert.Equal(SchemaErrorCodes.UnknownMessage, error.Code);
        Assert.Contains("http://example.org/other", error.Message, StringComparison.Ordinal);
        Assert.Null(result.MessageType);
    }

    [Fact]
    public void A_message_over_the_size_limit_is_refused_before_it_is_parsed()
    {
        var small = new MessageValidator(Reference.Project, new MessageValidationOptions { MaxMessageBytes = 1000 });

        var error = Assert.Single(small.Validate(Example("WMO301")).Errors);

        Assert.Equal(SchemaErrorCodes.TooLarge, error.Code);
        Assert.Contains("OP179", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Entity_expansion_is_refused_fast_as_a_prohibited_DTD()
    {
        var laughs = new StringBuilder("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">");
        for (var i = 1; i < 10; i++)
        {
            laughs.Append(System.Globalization.CultureInfo.InvariantCulture, $"<!ENTITY lol{i} \"{string.Concat(Enumerable.Repeat($"&lol{i - 1};", 10)).Replace("&lol0;", "&lol;", StringComparison.Ordinal)}\">");
        }

        laughs.Append("]><lolz>&lol9;</lolz>");
        var clock = Stopwatch.StartNew();

        var error = Assert.Single(Validator.Validate(laughs.ToString()).Errors);

        Assert.Equal(SchemaErrorCodes.DtdProhibited, error.Code);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
    }

    [Fact]
    public void An_external_entity_is_never_resolved()
    {
        var xxe = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><wmo305:Bericht xmlns:wmo305=\"http://www.istandaarden.nl/iwmo/3_2/wmo305/schema\">&e;</wmo305:Bericht>";

        var error = Assert.Single(Validator.Validate(xxe).Errors);

        Assert.Equal(SchemaErrorCodes.DtdProhibited, error.Code);
        Assert.DoesNotContain("root:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deep_nesting_is_cut_off_at_the_depth_limit_without_reading_the_rest()
    {
        const int depth = 200_000;
        var xml = new StringBuilder("<wmo305:Bericht xmlns:wmo305=\"http://www.istandaarden.nl/iwmo/3_2/wmo305/schema\">");
        xml.Insert(xml.Length, "<a>", depth).Insert(xml.Length, "</a>", depth).Append("</wmo305:Bericht>");
        var clock = Stopwatch.StartNew();

        var errors = Validator.Validate(xml.ToString()).Errors;

        Assert.Contains(errors, e => e.Code == SchemaErrorCodes.TooDeep);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
    }

    [Fact]
    public void A_huge_attribute_is_refused_by_the_size_ceiling_without_holding_it_in_memory()
    {
        var limit = 1_000_000;
        var bounded = new MessageValidator(Reference.Project, new MessageValidationOptions { MaxMessageBytes = limit });
        var xml = "<wmo305:Bericht xmlns:wmo305=\"http://www.istandaarden.nl/iwmo/3_2/wmo305/schema\" a=\"" + new string('x', 2 * limit) + "\"/>";

        var error = Assert.Single(bounded.Validate(xml).Errors);

        Assert.Equal(SchemaErrorCodes.TooLarge, error.Code);
    }

    [Fact]
    public void A_wrong_BerichtCode_for_the_namespace_is_an_xsd_error_on_the_header()
    {
        var xml = Example("WMO305").Replace("<wmo305:BerichtCode>418</wmo305:BerichtCode>", "<wmo305:BerichtCode>420</wmo305:BerichtCode>", StringComparison.Ordinal);

        var error = Assert.Single(Validator.Validate(xml).Errors);

        Assert.Equal("/Bericht/Header/BerichtCode", error.Location);
    }

    [Fact]
    public void A_schema_folder_without_the_needed_files_fails_at_load_naming_the_file()
    {
        var empty = Directory.CreateTempSubdirectory("wmo-schemas-").FullName;
        try
        {
            var ex = Assert.Throws<FileNotFoundException>(() => SchemaRegistry.Load(empty));

            Assert.Contains("basisschema.xsd", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(empty);
        }
    }
}
