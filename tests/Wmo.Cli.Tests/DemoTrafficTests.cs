using Wmo.Messages;
using Wmo.Messages.Model;
using Wmo.Messages.Retour;

namespace Wmo.Cli.Tests;

public class DemoTrafficTests
{
    private static readonly DateOnly Today = new(2026, 11, 22);

    [Fact]
    public void Every_generated_message_is_schema_valid_and_passes_the_message_rules()
    {
        var validator = new MessageValidator(SchemaRegistry.Load());
        var messages = DemoTraffic.Generate(60, 1, Today).ToList();

        Assert.All(messages, m =>
        {
            var doc = IwmoXml.Write(m.Message);
            var result = validator.Validate(doc.Declaration + doc.ToString());
            Assert.True(result.IsValid, string.Join("\n", result.Errors));
            var verdict = MessageRules.Evaluate(m.Message, Today);
            Assert.True(verdict.IsApproved, string.Join("\n", verdict.Findings));
        });
        Assert.Contains(messages, m => m.Message is Wmo301);
        Assert.Contains(messages, m => m.Message is Wmo305);
        Assert.Contains(messages, m => m.Message is Wmo307);
    }

    [Fact]
    public void The_same_seed_gives_the_same_traffic_and_another_seed_other_traffic()
    {
        string Render(int seed) => string.Concat(DemoTraffic.Generate(20, seed, Today).Select(m => IwmoXml.Write(m.Message).ToString()));

        Assert.Equal(Render(1), Render(1));
        Assert.NotEqual(Render(1), Render(2));
    }

    [Fact]
    public void Each_message_is_sent_by_the_party_it_names_as_sender()
    {
        Assert.All(DemoTraffic.Generate(30, 1, Today), m => Assert.Equal(m.Sender, m.Message.Header.Afzender));
    }

    [Fact]
    public void A_profile_sets_the_parties_and_the_shares_of_late_and_missing_starts_and_every_client_has_its_own_bsn()
    {
        var profile = new TrafficProfile(4000, Gemeenten: 12, Aanbieders: 30, LateShare: 0.3, MissingShare: 0.1, StopShare: 0.5, Seed: 7);
        var messages = DemoTraffic.Generate(profile, Today).ToList();

        var toewijzingen = messages.Select(m => m.Message).OfType<Wmo301>().ToList();
        var starts = messages.Select(m => m.Message).OfType<Wmo305>().ToList();
        var lateStarts = starts.Count(s => s.Header.BerichtIdentificatie.Dagtekening.DayNumber - s.Client.StartProducten[0].Begindatum.DayNumber >= 10);
        Assert.Equal(4000, toewijzingen.Count);
        Assert.Equal(4000, toewijzingen.Select(t => t.Client.Bsn).Distinct().Count());
        Assert.Equal(12, toewijzingen.Select(t => t.Header.Afzender).Distinct().Count());
        Assert.Equal(30, toewijzingen.Select(t => t.Header.Ontvanger).Distinct().Count());
        Assert.InRange(starts.Count, 0.87 * 4000, 0.93 * 4000); // 10 % missing
        Assert.InRange(lateStarts, 0.25 * 4000, 0.35 * 4000); // 30 % late (some capped at today)
        Assert.InRange(messages.Count(m => m.Message is Wmo307), 0.4 * starts.Count, 0.6 * starts.Count);
        Assert.All(toewijzingen.Where(t => t.Header.Afzender.Length == 4), t => Assert.Matches("^[0-9]{4}$", t.Header.Afzender));
    }

    [Fact]
    public void Generate_writes_one_folder_per_sender_with_valid_files_the_same_every_time()
    {
        var first = Path.Combine(Path.GetTempPath(), "wmo-generate-" + Guid.NewGuid().ToString("N"));
        var second = first + "-again";
        try
        {
            string[] args = ["--clients", "40", "--gemeenten", "2", "--aanbieders", "3", "--late", "0.5", "--missing", "0.25", "--seed", "3", "--today", "2026-11-22"];
            using var output = new StringWriter();
            Assert.Equal(Cli.Ok, Cli.Run(["generate", "--out", first, .. args], output, TextWriter.Null));
            Assert.Equal(Cli.Ok, Cli.Run(["generate", "--out", second, .. args], TextWriter.Null, TextWriter.Null));

            var folders = Directory.GetDirectories(first).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(["0363", "0384", "12345678", "42420001", "65656055"], folders);
            var files = Directory.GetFiles(first, "*.xml", SearchOption.AllDirectories);
            Assert.Contains($"{files.Length} messages for 40 clients", output.ToString(), StringComparison.Ordinal);
            var validator = new MessageValidator(SchemaRegistry.Load());
            Assert.All(files, f => Assert.True(validator.Validate(File.ReadAllText(f)).IsValid, f));
            Assert.All(files, f => Assert.Equal(File.ReadAllText(f), File.ReadAllText(f.Replace(first, second, StringComparison.Ordinal))));
            Assert.Equal(Cli.Usage, Cli.Run(["generate", "--out", first, "--late", "1.5"], TextWriter.Null, TextWriter.Null));
        }
        finally
        {
            foreach (var dir in new[] { first, second }.Where(Directory.Exists))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
