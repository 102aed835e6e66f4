using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Constructs;
using Pipeline.Manifests;

namespace Pipeline.Infra;

/// <summary>
/// What keeps an environment's resources to themselves, whoever deploys them:
/// <list type="bullet">
/// <item>every role the stacks create carries the environment's permissions boundary
/// (<see cref="DeploymentNames.PermissionsBoundary"/>), a managed policy an administrator creates once (DeployRole writes it);
/// the CloudFormation execution role may create a role only with it attached, so no template can make a role that does
/// more than the boundary allows;</item>
/// <item>every taggable resource carries <see cref="DeploymentNames.EnvironmentTag"/>: in an account shared by several
/// environments, the execution role and the boundary deny any action on a resource tagged for another environment.</item>
/// </list>
/// </summary>
public static class EnvironmentGuardrails
{
    public static void Apply(Construct app, string environment, IEnumerable<Stack> stacks)
    {
        Tags.Of(app).Add(DeploymentNames.EnvironmentTag, environment, new TagProps
        {
            // SSM parameters are kept apart by their path (/apigw/<env>/*) in every policy, and the stack's own tag still
            // reaches them on AWS; in the template their Tags are a map, which the CloudFormation emulator the tests deploy
            // to cannot read.
            ExcludeResourceTypes = ["AWS::SSM::Parameter"],
        });
        foreach (var stack in stacks)
            // One reference per stack: a construct may only be used in the stack that defines it.
            Amazon.CDK.AWS.IAM.PermissionsBoundary.Of(stack).Apply(ManagedPolicy.FromManagedPolicyName(stack, "PermissionsBoundary", DeploymentNames.PermissionsBoundary(environment)));
    }
}
