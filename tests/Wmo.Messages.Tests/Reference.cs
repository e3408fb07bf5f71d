using Wmo.Testing;

namespace Wmo.Messages.Tests;

/// <summary>
/// The official iWmo 3.2 material in ../shared/reference (never copied into this repository). CI always has it;
/// without it these tests fail with a message that says where to get it.
/// </summary>
internal static class Reference
{
    public static string Root => Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared", "reference"));

    public static string Examples => Existing(Path.Combine(Root, "iwmo-3.2", "examples"));

    public static string OfficialXsd => Existing(Path.Combine(Root, "iwmo-3.2", "xsd"));

    public static IEnumerable<string> ExampleFiles => Directory.EnumerateFiles(Examples, "*.xml").Order();

    public static TheoryData<string> ExampleNames()
    {
        var data = new TheoryData<string>();
        foreach (var file in ExampleFiles)
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    private static string Existing(string dir) => Directory.Exists(dir)
        ? dir
        : throw new DirectoryNotFoundException(
            $"{dir} is missing. These conformance tests need the official iWmo 3.2 XSDs and examples (istandaarden.nl, release iWmo 3.2) in ../shared/reference.");

    private static readonly Lazy<SchemaRegistry> OfficialRegistry = new(() =>
        SchemaRegistry.Load(OfficialXsd, MessageCatalog.All.Where(m => m.AnswersTo is null)));
    private static readonly Lazy<SchemaRegistry> ProjectRegistry = new(() => SchemaRegistry.Load());

    /// <summary>The official XSDs, loaded through the same registry an operator would point at them.</summary>
    public static SchemaRegistry Official => OfficialRegistry.Value;

    /// <summary>The project's own schemas (copied beside the test binaries).</summary>
    public static SchemaRegistry Project => ProjectRegistry.Value;
}
