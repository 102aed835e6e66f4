using Pipeline.Build.Aws;
using Pipeline.Build.Aws.History;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;

namespace Pipeline.Build;

/// <summary>
/// What every target on AWS shares: the run's one connection (<see cref="Aws.AwsContext"/>), its stack plans, the facts
/// its deploy record reports, and the one declaration of a target that needs an AWS environment.
/// </summary>
public sealed partial class Build
{
    AwsContext? awsContext;

    [Parameter("AWS: the role CloudFormation acts as to create the environment's resources: default the environment's execution role " +
               "pipeline-apigw-<env>-cfn-exec (DeployRole writes it for an administrator to create once); 'none' deploys with your own credentials; or a role ARN")]
    public string? CfnExecutionRole { get; set; }
    StackPlanner? stackPlanner;

    /// <summary>The run's one AWS connection, clients and environment names; resolved on first use.</summary>
    internal AwsContext AwsContext => awsContext ??= new AwsContext(Settings);

    /// <summary>The stacks a Deploy brings to the synthesized state: what DeployInfra deploys and Diff compares.</summary>
    internal StackPlanner StackPlanner => stackPlanner ??= new StackPlanner(AwsContext);

    /// <summary>What this run did that its deploy record and CI job summary report: stacks, health, where promoted images came from.</summary>
    internal DeployJobFacts JobFacts { get; } = new();

    /// <summary>
    /// Declared by a target that works on an AWS environment: <c>.Requires(AwsEnvironment("reads ..."))</c>. On another
    /// platform the run stops before anything runs, naming the AWS profiles that would work.
    /// </summary>
    /// <param name="because">What the target does that needs AWS, e.g. "reads the deploy history an AWS account keeps".</param>
    Precondition AwsEnvironment(string because) =>
        new(() => Platform == PlatformKind.Aws, target => AwsProfileNeeded(target, because, profile => $"./build.sh {target} --profile {profile}"));

    /// <summary>The one message for "this needs an AWS profile": what needs it, why, and the commands that would run it.</summary>
    string AwsProfileNeeded(string what, string because, Func<string, string> commandFor) =>
        $"{what} {because}, and {(Profile is null ? "the default profile" : $"profile '{Profile}'")} deploys to the " +
        $"{Platform.ToString().ToLowerInvariant()} platform. Name an AWS profile: {string.Join(" or ", AwsProfiles().Select(commandFor))}.";
}
