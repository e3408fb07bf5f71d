namespace Wmo.Messages.Tests;

public class OfficialExampleTests
{
    [Theory]
    [MemberData(nameof(Reference.ExampleNames), MemberType = typeof(Reference))]
    public void Every_official_example_is_valid_against_the_project_schemas_and_detected_as_its_message(string file)
    {
        var result = new MessageValidator(Reference.Project).Validate(File.ReadAllBytes(Path.Combine(Reference.Examples, file)));

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(Path.GetFileNameWithoutExtension(file), result.MessageType?.Name);
    }

    [Theory]
    [MemberData(nameof(Reference.ExampleNames), MemberType = typeof(Reference))]
    public void Every_official_example_is_valid_against_the_official_schemas_loaded_as_an_operator_would(string file)
    {
        var result = new MessageValidator(Reference.Official).Validate(File.ReadAllBytes(Path.Combine(Reference.Examples, file)));

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
    }

    [Fact]
    public void Every_catalogued_iWmo_heenbericht_has_an_official_example()
    {
        var examples = Reference.ExampleFiles.Select(Path.GetFileNameWithoutExtension).ToHashSet();

        Assert.All(MessageCatalog.All.Where(m => m.AnswersTo is null && m.Namespace.Contains("/iwmo/", StringComparison.Ordinal)), m => Assert.Contains(m.Name, examples));
    }

    [Fact]
    public void Every_heenbericht_has_exactly_one_answer_in_the_catalogue()
    {
        Assert.All(MessageCatalog.All.Where(m => m.AnswersTo is null), m => Assert.NotNull(MessageCatalog.AnswerTo(m)));
        Assert.Equal(MessageCatalog.All.Count, MessageCatalog.All.Select(m => m.BerichtCode).Distinct().Count());
    }
}
