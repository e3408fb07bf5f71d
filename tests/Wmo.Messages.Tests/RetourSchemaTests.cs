namespace Wmo.Messages.Tests;

/// <summary>
/// iWmo retours follow the iJw retour pattern with wmo namespaces (shared/README.md): the official iJw 3.2 retour
/// examples in iWmo form (<see cref="Reference.IjwRetourInIwmoForm"/>) must be valid against the project's retour schemas.
/// </summary>
public class RetourSchemaTests
{
    public static TheoryData<string> IjwRetourExamples()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Reference.IjwRetourExamples, "*.xml").Order())
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(IjwRetourExamples))]
    public void The_iJw_retour_examples_in_iWmo_form_are_valid_against_the_project_retour_schemas(string file)
    {
        var type = MessageCatalog.FindByName("WMO" + Path.GetFileNameWithoutExtension(file)[2..])!;
        var doc = Reference.IjwRetourInIwmoForm(file, type);

        var result = new MessageValidator(Reference.Project).Validate(doc.ToString());

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(type, result.MessageType);
    }
}
