using System.Text.RegularExpressions;
using Wmo.Testing;

namespace Wmo.Messages.Tests;

/// <summary>
/// The project's schemas must give the same valid/invalid verdict as the official XSDs on systematic mutations of
/// the official examples. A disagreement fails unless schemas/README.md lists it (with its reason) under
/// "Known differences" as a line "- `DESCRIPTION`: reason".
/// </summary>
public partial class DifferentialTests
{
    private readonly Xunit.Abstractions.ITestOutputHelper _output;

    public DifferentialTests(Xunit.Abstractions.ITestOutputHelper output) => _output = output;

    [Fact]
    public void The_project_schemas_agree_with_the_official_XSDs_on_at_least_a_thousand_mutations()
    {
        var ours = new MessageValidator(Reference.Project);
        var official = new MessageValidator(Reference.Official);
        var allowed = KnownDifferences();
        var disagreements = new List<string>();
        var total = 0;
        var invalid = 0;

        foreach (var file in Reference.ExampleFiles)
        {
            foreach (var (description, xml) in Mutations.Of(Path.GetFileNameWithoutExtension(file), File.ReadAllText(file)))
            {
                total++;
                var expected = official.Validate(xml).IsValid;
                var actual = ours.Validate(xml);
                invalid += expected ? 0 : 1;
                if (expected != actual.IsValid && !allowed.Contains(description))
                {
                    disagreements.Add($"{description}: official says {(expected ? "valid" : "invalid")}, ours says {(actual.IsValid ? "valid" : "invalid: " + actual.Errors[0].Message)}");
                }
            }
        }

        _output.WriteLine($"{total} mutations, {invalid} invalid per the official XSDs, {disagreements.Count} disagreements");
        Assert.True(total >= 1000, $"only {total} mutations");
        Assert.True(invalid > total / 2, $"mutations too weak: only {invalid} of {total} are invalid");
        Assert.True(disagreements.Count == 0, $"{disagreements.Count} of {total} disagree:\n" + string.Join("\n", disagreements.Take(50)));
    }

    [Fact]
    public void The_compiled_check_gives_the_framework_validators_verdict_on_every_mutation()
    {
        var compiled = new MessageValidator(Reference.Project);
        var framework = new MessageValidator(Reference.Project, new MessageValidationOptions { UseCompiledSchemas = false });
        Assert.True(compiled.UsesCompiledSchemas);
        Assert.False(framework.UsesCompiledSchemas);
        var disagreements = new List<string>();
        var total = 0;

        foreach (var file in Reference.ExampleFiles)
        {
            foreach (var (description, xml) in Mutations.Of(Path.GetFileNameWithoutExtension(file), File.ReadAllText(file)))
            {
                total++;
                var expected = framework.Validate(xml);
                var actual = compiled.Validate(xml);
                if (expected.IsValid != actual.IsValid)
                {
                    disagreements.Add($"{description}: framework {(expected.IsValid ? "valid" : "invalid: " + expected.Errors[0].Message)}, compiled {(actual.IsValid ? "valid" : "invalid: " + actual.Errors[0].Message)}");
                }
            }
        }

        _output.WriteLine($"{total} mutations, {disagreements.Count} disagreements between compiled check and framework validator");
        Assert.True(disagreements.Count == 0, $"{disagreements.Count} of {total} disagree:\n" + string.Join("\n", disagreements.Take(50)));
    }

    [Fact]
    public void The_official_XSDs_compile_to_the_fast_check_too()
    {
        Assert.True(new MessageValidator(Reference.Official).UsesCompiledSchemas);
    }

    [GeneratedRegex(@"^- `(?<d>[^`]+)`:", RegexOptions.Multiline)]
    private static partial Regex KnownDifferenceLine();

    private static HashSet<string> KnownDifferences()
    {
        var readme = Path.Combine(RepoPaths.Root, "schemas", "README.md");
        var text = File.Exists(readme) ? File.ReadAllText(readme) : string.Empty;
        var section = text.IndexOf("## Known differences", StringComparison.Ordinal) is var i and >= 0 ? text[i..] : string.Empty;
        return KnownDifferenceLine().Matches(section).Select(m => m.Groups["d"].Value).ToHashSet(StringComparer.Ordinal);
    }
}
