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
}
