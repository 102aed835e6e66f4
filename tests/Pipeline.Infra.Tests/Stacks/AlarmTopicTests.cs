using Pipeline.Infra.Tests.Support;
using Pipeline.Manifests;

namespace Pipeline.Infra.Tests.Stacks;

/// <summary>The environment's alarm topic: in the shared stack, published for the service stacks, subscribed to as the profile says.</summary>
[Collection(SynthesizedInfraCollection.Name)]
public sealed class AlarmTopicTests(SynthesizedInfra infra)
{
    [ToolFact("node")]
    public void The_shared_stack_has_one_alarm_topic_and_publishes_its_arn()
    {
        foreach (var environment in new[] { infra.Dev, infra.Prod })
        {
            var topic = environment.SharedJson.OfType("AWS::SNS::Topic").Should().ContainSingle(environment.Environment).Subject;
            topic.Properties.GetProperty("TopicName").GetString().Should().Be($"apigw-{environment.Environment}-alarms");
            var (stack, value) = environment.Parameters[DeploymentNames.SharedParameter(environment.Environment, SharedValue.AlarmTopicArn)];
            stack.Should().Be(DeploymentNames.SharedStack(environment.Environment));
            TemplateJson.RefsIn(value).Should().Equal(topic.Id);
            foreach (var service in environment.Services)
                environment.ServiceJson(service).OfType("AWS::SNS::Topic").Should().BeEmpty("service stacks notify the shared topic");
        }
    }

    [ToolFact("node")]
    public void Alarm_email_and_https_endpoint_of_the_profile_subscribe_to_the_topic()
    {
        var topic = infra.Prod.SharedJson.OfType("AWS::SNS::Topic").Single().Id;
        var subscriptions = infra.Prod.SharedJson.OfType("AWS::SNS::Subscription").Select(s => s.Properties).ToList();

        subscriptions.Select(s => (s.GetProperty("Protocol").GetString(), s.GetProperty("Endpoint").GetString()))
            .Should().BeEquivalentTo([("email", SynthesizedInfra.AlarmEmail), ("https", SynthesizedInfra.AlarmHttpsEndpoint)]);
        subscriptions.Should().AllSatisfy(s => TemplateJson.RefsIn(s.GetProperty("TopicArn")).Should().Equal(topic));
    }

    [ToolFact("node")]
    public void Without_an_alarm_email_or_endpoint_the_topic_has_no_subscription() =>
        infra.Dev.SharedJson.OfType("AWS::SNS::Subscription").Should().BeEmpty();
}
