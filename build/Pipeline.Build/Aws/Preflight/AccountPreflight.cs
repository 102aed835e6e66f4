using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Aws.Zones;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Aws.Preflight;

/// <summary>
/// Read-only checks of an AWS account before an environment is deployed to it, each a row with the command that fixes
/// it. <see cref="CheapAsync"/> (caller and account, region, zones) is what every Deploy and Redeploy runs before it
/// creates anything; <see cref="AllAsync"/> adds what <c>./build.sh Preflight</c> looks at: service-linked roles,
/// quotas, the GitHub OIDC provider and the environment's roles. One implementation, so the two never disagree.
/// </summary>
public sealed class AccountPreflight(AwsContext aws)
{
    const string Region = "region";
    const string Caller = "caller and account";
    const string Zones = "zones for VPC links";

    /// <summary>Region, caller and account, zones: one STS and one EC2 call; each check that cannot run for want of an earlier one is skipped.</summary>
    public async Task<IReadOnlyList<PreflightResult>> CheapAsync(CancellationToken cancellation)
    {
        var region = CheckRegion();
        if (region.Outcome == PreflightOutcome.Fail)
            return [region, PreflightResult.Skipped(Caller, "needs a region"), PreflightResult.Skipped(Zones, "needs a region")];
        var caller = await CheckCallerAsync(cancellation);
        if (caller.Outcome == PreflightOutcome.Fail)
            return [region, caller, PreflightResult.Skipped(Zones, "needs working credentials")];
        return [region, caller, await CheckZonesAsync(cancellation)];
    }

    /// <summary>Every check: <see cref="CheapAsync"/>, then (with working credentials) roles, quotas and OIDC.</summary>
    public async Task<IReadOnlyList<PreflightResult>> AllAsync(CancellationToken cancellation)
    {
        var results = new List<PreflightResult>(await CheapAsync(cancellation));
        var more = new List<(string Check, Func<Task<IReadOnlyList<PreflightResult>>> Run)>
        {
            ("service-linked roles", async () => await new ServiceLinkedRoleCheck(new IamClient(aws.Connection, aws.Http)).CheckAsync(cancellation)),
            ("quotas", async () => await new QuotaCheck(aws).CheckAsync(cancellation)),
            ("GitHub access", async () => await new GitHubAccessCheck(new IamClient(aws.Connection, aws.Http), aws.Environment, aws.Settings,
                await aws.AccountAsync(cancellation), aws.Connection.Partition).CheckAsync(cancellation)),
        };
        var usable = results.All(r => r.Outcome != PreflightOutcome.Fail || r.Check == Zones);
        foreach (var (check, run) in more)
            results.AddRange(usable ? await run() : [PreflightResult.Skipped(check, "needs a region and working credentials")]);
        return results;
    }

    PreflightResult CheckRegion()
    {
        var region = aws.Region;
        if (region is not null)
            return PreflightResult.Pass(Region, region);
        var profile = aws.Settings.AwsProfile is { } name ? $" --profile {name}" : "";
        return PreflightResult.Failed(Region, "no AWS region configured (--aws-region, AwsRegion, AWS_REGION or the AWS profile's region)",
            $"aws configure set region <region>{profile}   (or set AwsRegion in {aws.Settings.ParametersFile})");
    }

    async Task<PreflightResult> CheckCallerAsync(CancellationToken cancellation)
    {
        CallerIdentity identity;
        try
        {
            identity = await aws.CallerAsync(cancellation);
        }
        catch (PipelineException e)
        {
            var profile = aws.Settings.AwsProfile is { } name ? $" --profile {name}" : "";
            return PreflightResult.Failed(Caller, e.Message, $"aws sso login{profile}   (or aws configure{profile})");
        }
        var expected = aws.Settings.AwsAccount;
        if (expected is not null && expected != identity.Account)
            return PreflightResult.Failed(Caller,
                $"the credentials are {identity.Arn}, in account {identity.Account}; {aws.Settings.ParametersFile} deploys {aws.Environment} to account {expected} (AwsAccount)",
                $"use credentials of account {expected}: --aws-profile <a profile of {expected}> (or AWS_PROFILE); or correct AwsAccount in {aws.Settings.ParametersFile}");
        return PreflightResult.Pass(Caller, $"{identity.Arn} (account {identity.Account}{(expected is null ? "" : ", as AwsAccount says")})");
    }

    async Task<PreflightResult> CheckZonesAsync(CancellationToken cancellation)
    {
        try
        {
            var choice = await aws.ChooseZonesAsync(cancellation);
            return PreflightResult.Pass(Zones, $"{choice.Describe()}: " +
                (choice.Configured ? $"from {ZoneChooser.Setting}, both support HTTP API VPC links" : "the first, by ID, of this account's zones that support HTTP API VPC links"));
        }
        catch (ZoneChoiceException e)
        {
            return PreflightResult.Failed(Zones, e.Facts, e.NextStep);
        }
        catch (PipelineException e)
        {
            return PreflightResult.CouldNotRead(Zones, "ec2:DescribeAvailabilityZones", e) with { Outcome = PreflightOutcome.Fail };
        }
    }
}

public enum PreflightOutcome
{
    Pass,

    /// <summary>Not a reason to stop, but worth doing before the first deploy (a service-linked role AWS would create itself).</summary>
    Warn,

    Fail,

    /// <summary>Not run: a check it needs failed.</summary>
    Skip,
}

/// <summary>One row of a preflight: the check, how it came out, what was found, and the command that fixes it when it did not pass.</summary>
public sealed record PreflightResult(string Check, PreflightOutcome Outcome, string Detail, string? Fix = null)
{
    public static PreflightResult Pass(string check, string detail) => new(check, PreflightOutcome.Pass, detail);

    public static PreflightResult Warning(string check, string detail, string? fix = null) => new(check, PreflightOutcome.Warn, detail, fix);

    public static PreflightResult Failed(string check, string detail, string fix) => new(check, PreflightOutcome.Fail, detail, fix);

    public static PreflightResult Skipped(string check, string reason) => new(check, PreflightOutcome.Skip, $"not checked: {reason}");

    /// <summary>A check whose AWS call itself failed (access denied, say): reported, not fatal, with the permission it needs.</summary>
    public static PreflightResult CouldNotRead(string check, string action, Exception e) =>
        new(check, PreflightOutcome.Warn, $"could not check: {e.Message}", $"allow {action} to the caller, then run Preflight again");
}
