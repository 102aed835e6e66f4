using Pipeline.Build.Aws;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Engine;
using Pipeline.Build.Aws.Operations;

namespace Pipeline.Build;

/// <summary>Verify: the environment as it runs now, checked through its API without changing anything (Aws/EnvironmentVerifier.cs).</summary>
public sealed partial class Build
{
    Target Verify => _ => _
        .Description("Check the environment as it runs now: each service's health route, through the API, serves the image tag its stack runs; reads only (a gate before promoting)")
        .Executes(VerifyAsync);

    async Task VerifyAsync()
    {
        var aws = AwsSteps(nameof(Verify));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var cloudFormation = new CloudFormationClient(AwsConnection.FromEnvironment(AwsRegion, AwsProfile), http);
        await new EnvironmentVerifier(cloudFormation, Settings).VerifyAsync(aws.HealthBaseUrlAsync, Log, Cancellation);
    }
}
