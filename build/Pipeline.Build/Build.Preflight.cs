using Pipeline.Build.Aws.Preflight;
using Pipeline.Build.Engine;

namespace Pipeline.Build;

/// <summary>
/// Preflight: read-only checks of an AWS account before the first deploy, each with the command that fixes it
/// (Aws/Preflight/). Deploy runs the cheap ones itself (<see cref="AccountPreflight.CheapAsync"/>) before it creates anything.
/// </summary>
public sealed partial class Build
{
    Target Preflight => _ => _
        .Description("Check an AWS account before the first deploy, reading only: caller and account, region, zones where HTTP API VPC links work, " +
                     "service-linked roles, quotas (VPCs, Elastic IPs, ALBs), the GitHub OIDC provider and the environment's roles; " +
                     "prints the command that fixes each failed check and exits 1 when one fails")
        .Requires(AwsEnvironment("checks the AWS account an environment deploys to"))
        .Executes(PreflightAsync);

    async Task PreflightAsync()
    {
        if (DryRun)
        {
            Log.Info($"Dry run: would call sts:GetCallerIdentity, ec2:DescribeAvailabilityZones, iam:GetRole, servicequotas:GetServiceQuota, " +
                     "servicequotas:ListAWSDefaultServiceQuotas, ec2:DescribeVpcs, ec2:DescribeAddresses, elasticloadbalancing:DescribeLoadBalancers, " +
                     "cloudformation:DescribeStacks, iam:ListOpenIDConnectProviders and iam:GetOpenIDConnectProvider. Preflight changes nothing either way.");
            return;
        }
        var results = await new AccountPreflight(AwsContext).AllAsync(Cancellation);
        var subject = $"{DeployEnvironment} in {AwsContext.Region ?? "no region"}";
        foreach (var line in PreflightReport.Lines(results, subject))
            Console.Out.WriteLine(line);
        if (results.Any(r => r.Outcome == PreflightOutcome.Fail))
            throw new PipelineException(
                $"{PreflightReport.Summary(results, subject)} Run the commands under 'To fix:' above, then ./build.sh Preflight{Settings.ProfileArgument} again.");
    }
}
