using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SNS.Subscriptions;
using Constructs;

namespace Pipeline.Infra;

/// <summary>
/// The SNS topic every alarm of the environment notifies, in the shared stack (service stacks read its ARN from SSM).
/// The profile's <c>AlarmEmail</c> and <c>AlarmHttpsEndpoint</c> subscribe to it; without either the alarms still go off and
/// still roll deployments back, but reach nobody, which Deploy says in a warning.
/// </summary>
/// <remarks>
/// Not encrypted with the AWS-managed SNS key: CloudWatch may not use that key, so alarms could not publish. A customer key
/// with a key policy for CloudWatch would do; the notifications carry alarm names and states, not data.
/// </remarks>
public sealed class AlarmTopic : Construct
{
    public AlarmTopic(Construct scope, string id, string environment, string? email, string? httpsEndpoint) : base(scope, id)
    {
        Topic = new Topic(this, "Topic", new TopicProps
        {
            TopicName = $"apigw-{environment}-alarms",
            DisplayName = $"apigw {environment} alarms",
        });
        if (email is not null)
            Topic.AddSubscription(new EmailSubscription(email));
        if (httpsEndpoint is not null)
            Topic.AddSubscription(new UrlSubscription(httpsEndpoint, new UrlSubscriptionProps { Protocol = SubscriptionProtocol.HTTPS }));
    }

    public Topic Topic { get; }
}
