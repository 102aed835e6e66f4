using Pipeline.Build.Aws.Operations;
using Pipeline.Build.Engine;

namespace Pipeline.Build;

/// <summary>Verify: the environment as it runs now, checked through its API without changing anything (Aws/Operations/EnvironmentVerifier.cs).</summary>
public sealed partial class Build
{
    Target Verify => _ => _
        .Description("Check the environment as it runs now: each service's health route, through the API, serves the image tag its stack runs; reads only (a gate before promoting)")
        .Requires(AwsEnvironment("checks an AWS environment as it runs now"))
        .Executes(() => new EnvironmentVerifier(AwsContext.CloudFormation, Settings).VerifyAsync(AwsContext.HealthBaseUrlAsync, Log, Cancellation));
}
