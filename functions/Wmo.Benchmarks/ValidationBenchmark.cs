using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Wmo.Messages;

/// <summary>
/// Validation throughput of the layer's <see cref="MessageValidator"/> against <c>xmllint --noout --schema</c> on the
/// same files with the same (project) schemas, in the same run: the official examples, a WMO323 with 1,000 clients,
/// and a ~25 MB WMO323 for memory. xmllint validates all copies of a file in one process (schema parsed once), the
/// validator reads each copy from disk like xmllint does; both are measured in steady state (after warm-up). Memory:
/// the highest live managed heap (sampled with a full collection every 5 ms) while validating the ~24 MB file,
/// against the heap with no message in flight.
/// </summary>
internal static class ValidationBenchmark
{
    public static int Run(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var examples = Value("--examples") ?? throw new ArgumentException("--examples DIR (the official iWmo examples) is required");
        var repeat = int.Parse(Value("--repeat") ?? "200", CultureInfo.InvariantCulture);
        var output = Value("--output");
        var work = Directory.CreateTempSubdirectory("wmo-bench-validation-").FullName;
        try
        {
            var registry = SchemaRegistry.Load();
            var validator = new MessageValidator(registry);
            var files = Directory.EnumerateFiles(examples, "*.xml").Order().ToList();
            var big = Path.Combine(work, "WMO323-1000-clients.xml");
            File.WriteAllText(big, Declaration(Path.Combine(examples, "WMO323.xml"), 1000));
            Console.WriteLine($"Validation benchmark: {files.Count} official examples × {repeat}, a WMO323 with 1,000 clients, a ~24 MB WMO323");

            // Steady state, not start-up: tiered JIT (with dynamic PGO) needs a few seconds of the hot paths first.
            var warm = Stopwatch.StartNew();
            while (warm.Elapsed < TimeSpan.FromSeconds(3))
            {
                foreach (var file in files.Append(big))
                {
                    Ours(validator, file, 1);
                }
            }

            var rows = new List<Row>();
            foreach (var file in files.Append(big))
            {
                var type = validator.Validate(File.ReadAllBytes(file)).MessageType ?? throw new InvalidOperationException($"{file} is not valid");
                var n = file == big ? Math.Max(10, repeat / 10) : repeat;
                GC.Collect();
                WarmUp(validator, file);
                var ours = Ours(validator, file, n);
                var xmllint = XmlLint(Path.Combine(registry.Folder, type.SchemaFile), file, n);
                rows.Add(new Row(Path.GetFileName(file), n, ours, xmllint));
            }

            // Built after the throughput rows so its construction garbage does not slow them down.
            var huge = Path.Combine(work, "WMO323-25MB.xml");
            File.WriteAllText(huge, Declaration(Path.Combine(examples, "WMO323.xml"), 12_000));
            var (baseline, peak, seconds) = Memory(validator, huge);
            var (smallBaseline, smallPeak, _) = Memory(validator, big);

            Console.WriteLine();
            Console.WriteLine("| file                         | copies | validator msg/s | xmllint msg/s | ratio |");
            Console.WriteLine("|------------------------------|-------:|----------------:|--------------:|------:|");
            foreach (var r in rows)
            {
                Console.WriteLine($"| {r.File,-28} | {r.Copies,6} | {r.Ours,15:F0} | {r.XmlLint,13:F0} | {r.Ours / r.XmlLint,5:F2} |");
            }

            Console.WriteLine();
            Console.WriteLine($"{new FileInfo(huge).Length / 1e6:F1} MB WMO323 validated in {seconds:F2} s; live managed heap grew at most {(peak - baseline) / 1e6:F1} MB " +
                $"(for the {new FileInfo(big).Length / 1e6:F1} MB one: {(smallPeak - smallBaseline) / 1e6:F1} MB) — streaming, not proportional to the message");
            if (output is not null)
            {
                Directory.CreateDirectory(output);
                var path = Path.Combine(output, "validation.json");
                File.WriteAllText(path, JsonSerializer.Serialize(new
                {
                    benchmark = "validation-vs-xmllint",
                    measuredAt = TimeProvider.System.GetUtcNow(),
                    rows,
                    memory = new
                    {
                        fileBytes = new FileInfo(huge).Length, heapGrowthBytes = peak - baseline, seconds,
                        smallFileBytes = new FileInfo(big).Length, smallHeapGrowthBytes = smallPeak - smallBaseline,
                    },
                }, new JsonSerializerOptions { WriteIndented = true }));
                Console.WriteLine($"results written to {path}");
            }

            return rows.All(r => r.Ours >= r.XmlLint) ? 0 : 1;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private sealed record Row(string File, int Copies, double Ours, double XmlLint);

    private static double Ours(MessageValidator validator, string file, int copies)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < copies; i++)
        {
            using var stream = File.OpenRead(file);
            if (!validator.Validate(stream).IsValid)
            {
                throw new InvalidOperationException($"{file} did not validate");
            }
        }

        return copies / clock.Elapsed.TotalSeconds;
    }

    private static void WarmUp(MessageValidator validator, string file)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(0.2))
        {
            Ours(validator, file, 1);
        }
    }

    private static double XmlLint(string schema, string file, int copies)
    {
        var start = new ProcessStartInfo("xmllint") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "--noout", "--schema", schema }.Concat(Enumerable.Repeat(file, copies)))
        {
            start.ArgumentList.Add(arg);
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("xmllint did not start");
        var errors = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var elapsed = clock.Elapsed;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"xmllint rejected {file}: {errors.Result[..Math.Min(500, errors.Result.Length)]}");
        }

        return copies / elapsed.TotalSeconds;
    }

    private static (long Baseline, long Peak, double Seconds) Memory(MessageValidator validator, string file)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peak = baseline;
        using var done = new ManualResetEventSlim();
        var sampler = new Thread(() =>
        {
            while (!done.IsSet)
            {
                // A full collection per sample: what is measured is live memory, not garbage waiting for gen0.
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true));
                Thread.Sleep(5);
            }
        });
        sampler.Start();
        var clock = Stopwatch.StartNew();
        using (var stream = File.OpenRead(file))
        {
            if (!validator.Validate(stream).IsValid)
            {
                throw new InvalidOperationException("the 25 MB declaration did not validate");
            }
        }

        var seconds = clock.Elapsed.TotalSeconds;
        done.Set();
        sampler.Join();
        return (baseline, peak, seconds);
    }

    /// <summary>The official WMO323 with its clients repeated until there are <paramref name="clients"/> (totals kept consistent).</summary>
    private static string Declaration(string example, int clients)
    {
        var doc = XDocument.Load(example);
        var wrapper = doc.Root!.Descendants().First(e => e.Name.LocalName == "Clienten");
        var originals = wrapper.Elements().ToList();
        var sb = new StringBuilder();
        for (var i = originals.Count; i < clients; i++)
        {
            wrapper.Add(new XElement(originals[i % originals.Count]));
        }

        var total = doc.Root.Descendants().Where(e => e.Name.LocalName == "IngediendBedrag")
            .Sum(b => long.Parse(b.Elements().First(x => x.Name.LocalName == "Bedrag").Value, CultureInfo.InvariantCulture)
                * (b.Elements().First(x => x.Name.LocalName == "DebetCredit").Value == "C" ? -1 : 1));
        var totaal = doc.Root.Descendants().First(e => e.Name.LocalName == "TotaalIngediendBedrag");
        totaal.Elements().First(e => e.Name.LocalName == "TotaalBedrag").Value = Math.Abs(total).ToString(CultureInfo.InvariantCulture);
        totaal.Elements().First(e => e.Name.LocalName == "DebetCredit").Value = total < 0 ? "C" : "D";
        sb.Append(doc.Declaration).Append('\n').Append(doc.ToString());
        return sb.ToString();
    }
}
