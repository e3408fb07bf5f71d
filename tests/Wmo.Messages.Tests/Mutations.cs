using System.Xml.Linq;

namespace Wmo.Messages.Tests;

/// <summary>
/// Systematic mutations of a valid message: every element removed, duplicated and swapped with its next sibling,
/// an unknown child inserted into every composite, and every leaf value replaced by values that probe dates,
/// patterns, code lists, lengths, numbers, white space and time zones; plus a wrong BerichtCode.
/// </summary>
internal static class Mutations
{
    private static readonly string[] LeafValues =
    [
        string.Empty, " ", "X", "99", "0", "-1", "1.5", "01", "1", "2", "A",
        "2026-02-30", "2026-13-01", "2025-01-01Z", "2025-01-01+01:00", "12:00:00Z", "25:00:00", "12:00:00",
        new string('9', 13), new string('a', 201), "abc\ndef", " padded ", "é", "1.0.0", "1.0", "ÀB",
    ];

    public static IEnumerable<(string Description, string Xml)> Of(string name, string xml)
    {
        var original = XDocument.Parse(xml, LoadOptions.PreserveWhitespace);
        var count = original.Root!.Descendants().Count();
        for (var i = 0; i < count; i++)
        {
            var path = PathOf(Nth(original, i));
            yield return ($"{name} remove {path}", Mutate(original, i, e => e.Remove()));
            yield return ($"{name} duplicate {path}", Mutate(original, i, e => e.AddAfterSelf(new XElement(e))));
            if (Nth(original, i).ElementsAfterSelf().Any())
            {
                yield return ($"{name} swap {path} with next", Mutate(original, i, e =>
                {
                    var next = e.ElementsAfterSelf().First();
                    next.Remove();
                    e.AddBeforeSelf(next);
                }));
            }

            if (Nth(original, i).HasElements)
            {
                yield return ($"{name} unknown child in {path}", Mutate(original, i, e => e.Add(new XElement(e.Name.Namespace + "Onbekend", "x"))));
            }
            else
            {
                foreach (var value in LeafValues)
                {
                    yield return ($"{name} {path} = '{value.Replace("\n", "\\n", StringComparison.Ordinal)}'", Mutate(original, i, e => e.Value = value));
                }

                var current = Nth(original, i).Value;
                yield return ($"{name} {path} + 'X'", Mutate(original, i, e => e.Value = current + "X"));
                yield return ($"{name} {path} x 40", Mutate(original, i, e => e.Value = string.Concat(Enumerable.Repeat(current, 40))));
            }
        }

        foreach (var code in new[] { "414", "418", "420", "999", "41" })
        {
            var doc = new XDocument(original);
            doc.Root!.Descendants().First(e => e.Name.LocalName == "BerichtCode").Value = code;
            yield return ($"{name} BerichtCode {code}", doc.ToString(SaveOptions.DisableFormatting));
        }
    }

    private static XElement Nth(XDocument doc, int index) => doc.Root!.Descendants().ElementAt(index);

    private static string Mutate(XDocument original, int index, Action<XElement> change)
    {
        var copy = new XDocument(original);
        change(Nth(copy, index));
        return copy.Declaration + copy.ToString(SaveOptions.DisableFormatting);
    }

    private static string PathOf(XElement e) =>
        string.Concat(e.AncestorsAndSelf().Reverse().Select(a => "/" + a.Name.LocalName));
}
