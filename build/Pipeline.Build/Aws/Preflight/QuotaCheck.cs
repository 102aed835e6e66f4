using System.Globalization;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Aws.Preflight;

/// <summary>
/// The regional quotas a first deploy of the environment could run into, against what the account uses now: VPCs (the
/// shared stack's one), Elastic IPs (one per NAT gateway) and Application Load Balancers (one per service). The quota is
/// the account's applied value (Service Quotas GetServiceQuota), else AWS's default (ListAWSDefaultServiceQuotas), else
/// the default AWS documents. What is already deployed of the environment is in the usage and not added again.
/// </summary>
public sealed class QuotaCheck(AwsContext aws)
{
    /// <summary>A quota: its name and codes in Service Quotas, and the default AWS documents (used when Service Quotas answers neither call).</summary>
    public sealed record Quota(string Name, string ServiceCode, string QuotaCode, int DocumentedDefault);

    // Codes and defaults: the Amazon VPC quotas page, the EC2 Elastic IP quota, and "Quotas for your Application Load Balancers".
    public static readonly Quota Vpcs = new("VPCs per Region", "vpc", "L-F678F1CE", 5);
    public static readonly Quota ElasticIps = new("EC2-VPC Elastic IPs", "ec2", "L-0263D0A3", 5);
    public static readonly Quota ApplicationLoadBalancers = new("Application Load Balancers per Region", "elasticloadbalancing", "L-53DA6B97", 50);

    public async Task<IReadOnlyList<PreflightResult>> CheckAsync(CancellationToken cancellation)
    {
        var quotas = new ServiceQuotasClient(aws.Connection, aws.Http);
        var ec2 = new Ec2Client(aws.Connection, aws.Http);
        var elb = new ElasticLoadBalancingClient(aws.Connection, aws.Http);
        var (sharedDeployed, servicesToCreate, assumption) = await WhatTheEnvironmentAddsAsync(cancellation);
        return
        [
            await CheckAsync(quotas, Vpcs, "ec2:DescribeVpcs", ec2.CountVpcsAsync, sharedDeployed ? 0 : 1, "its VPC", assumption, cancellation),
            await CheckAsync(quotas, ElasticIps, "ec2:DescribeAddresses", ec2.CountElasticIpsAsync, sharedDeployed ? 0 : aws.Settings.NatGateways,
                $"one per NAT gateway; NatGateways {aws.Settings.NatGateways}", assumption, cancellation),
            await CheckAsync(quotas, ApplicationLoadBalancers, "elasticloadbalancing:DescribeLoadBalancers", elb.CountApplicationLoadBalancersAsync, servicesToCreate,
                "one per service", assumption, cancellation),
        ];
    }

    /// <summary>Whether the shared stack exists and how many service stacks do not: those are what a deploy still creates.</summary>
    async Task<(bool SharedDeployed, int ServicesToCreate, string Assumption)> WhatTheEnvironmentAddsAsync(CancellationToken cancellation)
    {
        var services = aws.Settings.Catalog.Names.ToList();
        try
        {
            var stacks = await aws.CloudFormation.DescribeAllStacksAsync(cancellation);
            return (stacks.ContainsKey(aws.SharedStack), services.Count(s => !stacks.ContainsKey(aws.ServiceStack(s))), "");
        }
        catch (PipelineException e)
        {
            return (false, services.Count, $" (assuming nothing of {aws.Environment} is deployed: CloudFormation DescribeStacks failed: {e.Message})");
        }
    }

    async Task<PreflightResult> CheckAsync(ServiceQuotasClient quotas, Quota quota, string usageAction, Func<CancellationToken, Task<int>> usage, int adds,
        string addsWhat, string assumption, CancellationToken cancellation)
    {
        var check = $"quota {quota.Name}";
        double limit;
        string source;
        try
        {
            (limit, source) = await quotas.GetServiceQuotaAsync(quota.ServiceCode, quota.QuotaCode, cancellation) is { } applied
                ? (applied, "applied to this account")
                : await quotas.GetDefaultQuotaAsync(quota.ServiceCode, quota.QuotaCode, cancellation) is { } byDefault
                    ? (byDefault, "AWS default")
                    : (quota.DocumentedDefault, "documented default; Service Quotas had no value for it");
        }
        catch (PipelineException e)
        {
            (limit, source) = (quota.DocumentedDefault, $"documented default; Service Quotas could not be read: {e.Message}");
        }

        int used;
        try
        {
            used = await usage(cancellation);
        }
        catch (PipelineException e)
        {
            return PreflightResult.CouldNotRead(check, usageAction, e);
        }

        var needed = used + adds;
        var detail = $"{used} in use + {adds} for {aws.Environment} ({addsWhat}) = {needed} of {Number(limit)} ({source}; {quota.ServiceCode} {quota.QuotaCode}){assumption}";
        return needed <= limit
            ? PreflightResult.Pass(check, detail)
            : PreflightResult.Failed(check, detail,
                $"aws service-quotas request-service-quota-increase --service-code {quota.ServiceCode} --quota-code {quota.QuotaCode} " +
                $"--desired-value {needed} --region {aws.Connection.Region}   (or release {needed - (int)limit} unused)");
    }

    static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
