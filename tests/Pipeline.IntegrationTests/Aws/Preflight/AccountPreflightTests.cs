using Amazon.Runtime;
using Pipeline.Build.Aws;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Aws.Preflight;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.IntegrationTests.Infrastructure;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.Aws.Preflight;

/// <summary>
/// The account checks against moto over HTTP (STS, EC2, IAM, Service Quotas, ELBv2, CloudFormation): each check's pass and
/// fail path that moto can produce, the zones a Deploy synthesizes with, and the message a Deploy stops with.
/// </summary>
public sealed class AccountPreflightTests(MotoServer moto) : MotoTests(moto)
{
    readonly string environment = "p" + Guid.NewGuid().ToString("N")[..8];

    static readonly ServiceCatalog Catalog = ServiceCatalog.Load(ServiceCatalog.FindServicesDirectory());

    DeploySettings Settings(IReadOnlyList<string>? zones = null, string? account = null) => new()
    {
        RootDirectory = RepositoryRoot.Find(),
        ArtifactsDirectory = Path.Combine(Path.GetTempPath(), "preflight-" + environment),
        Catalog = Catalog,
        Environment = environment,
        DryRun = false,
        AvailabilityZoneIds = zones ?? [],
        AwsAccount = account,
        Profile = "dev",
    };

    /// <summary>A connection to moto in <paramref name="region"/>: another region keeps a test's VPCs away from every other test's.</summary>
    AwsConnection ConnectionIn(string region) =>
        new(region, new BasicAWSCredentials(MotoServer.AccessKey, MotoServer.SecretKey), name => name == "AWS_ENDPOINT_URL" ? Moto.Endpoint.ToString() : null);

    AwsContext Context(DeploySettings settings, string region = MotoServer.Region) => new(settings, ConnectionIn(region));

    static PreflightResult Row(IReadOnlyList<PreflightResult> results, string check) => results.Single(r => r.Check == check);

    [Fact]
    public async Task Ec2_lists_the_regions_availability_zones_by_name_and_id()
    {
        var zones = await new Ec2Client(Connection, Http).DescribeAvailabilityZonesAsync(default);

        // moto's us-east-1 as one account would see it: names and IDs do not line up, and use1-az3 is there.
        zones.Select(z => $"{z.Name}={z.Id}").Should().Contain(["us-east-1a=use1-az6", "us-east-1b=use1-az1", "us-east-1c=use1-az2", "us-east-1e=use1-az3"]);
        zones.Should().AllSatisfy(z => z.IsUsable.Should().BeTrue($"{z.Name} is {z.State}, {z.OptInStatus}"));
    }

    [Fact]
    public async Task The_cheap_checks_pass_and_choose_the_first_two_zones_by_id_that_support_VPC_links()
    {
        using var aws = Context(Settings(account: "123456789012"));

        var results = await new AccountPreflight(aws).CheapAsync(default);

        results.Select(r => r.Outcome).Should().AllBeEquivalentTo(PreflightOutcome.Pass, string.Join("\n", results));
        Row(results, "region").Detail.Should().Be("us-east-1");
        Row(results, "caller and account").Detail.Should().Contain("(account 123456789012, as AwsAccount says)");
        Row(results, "zones for VPC links").Detail.Should().StartWith("use1-az1 (us-east-1b), use1-az2 (us-east-1c): the first, by ID");
        aws.ZoneIdsForSynthesis.Should().Equal("use1-az1", "use1-az2");
    }

    [Fact]
    public async Task Another_account_than_AwsAccount_fails_and_the_zones_are_not_read()
    {
        using var aws = Context(Settings(account: "111122223333"));

        var results = await new AccountPreflight(aws).CheapAsync(default);

        var caller = Row(results, "caller and account");
        caller.Outcome.Should().Be(PreflightOutcome.Fail);
        caller.Detail.Should().Contain("in account 123456789012; .nuke/parameters.dev.json deploys " + environment + " to account 111122223333");
        caller.Fix.Should().Contain("use credentials of account 111122223333");
        Row(results, "zones for VPC links").Outcome.Should().Be(PreflightOutcome.Skip);
        aws.Zones.Should().BeNull();
    }

    [Fact]
    public async Task A_Deploy_with_a_zone_without_VPC_links_stops_before_creating_anything_naming_the_zones_and_the_setting()
    {
        using var aws = Context(Settings(zones: ["use1-az3", "use1-az1"]));

        var refusal = await FluentActions.Awaiting(() => new DeployPreconditions(aws).CheckAsync("Deploy", Catalog.Services, new RecordingStepLog(), default))
            .Should().ThrowAsync<PipelineException>();

        refusal.Which.Message.Should()
            .StartWith($"Deploy of {environment} stopped before creating anything: [zones for VPC links] Availability Zones in us-east-1: " +
                       "AvailabilityZoneIds names use1-az3 (us-east-1e), where HTTP API VPC links are not supported.")
            .And.Contain("us-east-1a = use1-az6, us-east-1b = use1-az1, us-east-1c = use1-az2, us-east-1d = use1-az4, us-east-1e = use1-az3, us-east-1f = use1-az5")
            .And.Contain("HTTP API VPC links support use1-az1, use1-az2, use1-az4, use1-az5, use1-az6")
            .And.Contain("Set AvailabilityZoneIds in .nuke/parameters.dev.json to 2 of the zone IDs this account can use, e.g. \"AvailabilityZoneIds\": [\"use1-az1\", \"use1-az2\"]")
            .And.EndWith("Then run Deploy again; ./build.sh Preflight checks the rest of the account.");
        (await new CloudFormationClient(Connection, Http).DescribeStackAsync(DeploymentNames.RegistryStack(environment), default)).Should().BeNull();
    }

    [Fact]
    public async Task A_service_linked_role_that_exists_passes_and_a_missing_one_warns_with_the_command_that_creates_it()
    {
        var iam = new AwsQueryClient(Connection, AwsService.Iam, "2010-05-08", Http);
        // As AWS names it; moto's CreateServiceLinkedRole would name it AWSServiceRoleForecs.
        const string trust = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs.amazonaws.com"},"Action":"sts:AssumeRole"}]}""";
        try
        {
            await iam.CallAsync("CreateRole", [new("RoleName", "AWSServiceRoleForECS"), new("Path", "/aws-service-role/ecs.amazonaws.com/"),
                new("AssumeRolePolicyDocument", trust)], default);
        }
        catch (AwsServiceException e) when (e.ErrorCode == "EntityAlreadyExists")
        {
            // Made by an earlier test against the same moto.
        }

        var results = await new ServiceLinkedRoleCheck(new IamClient(Connection, Http)).CheckAsync(default);

        Row(results, "service-linked role AWSServiceRoleForECS").Outcome.Should().Be(PreflightOutcome.Pass);
        var gateway = Row(results, "service-linked role AWSServiceRoleForAPIGateway");
        gateway.Outcome.Should().Be(PreflightOutcome.Warn, "AWS creates it on first use when the deployer may");
        gateway.Detail.Should().Contain("iam:CreateServiceLinkedRole");
        gateway.Fix.Should().Be("aws iam create-service-linked-role --aws-service-name ops.apigateway.amazonaws.com");
    }

    [Fact]
    public async Task The_GitHub_provider_and_the_environments_roles_fail_until_they_exist_then_pass()
    {
        var settings = Settings();
        var check = new GitHubAccessCheck(new IamClient(Connection, Http), environment, settings, "123456789012", "aws");
        var iam = new AwsQueryClient(Connection, AwsService.Iam, "2010-05-08", Http);

        var before = await check.CheckAsync(default);
        var deployRole = Row(before, $"deploy role {DeploymentNames.DeployRole(environment)}");
        deployRole.Outcome.Should().Be(PreflightOutcome.Fail);
        deployRole.Fix.Should().StartWith("./build.sh DeployRole --profile dev --github-repository <owner/name>, then run the commands it prints");
        Row(before, $"permissions boundary {DeploymentNames.PermissionsBoundary(environment)}").Outcome.Should().Be(PreflightOutcome.Fail);

        var provider = await ExistingOrNewGitHubProviderAsync(iam);
        const string trust = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudformation.amazonaws.com"},"Action":"sts:AssumeRole"}]}""";
        foreach (var role in new[] { DeploymentNames.DeployRole(environment), DeploymentNames.ReadOnlyRole(environment), DeploymentNames.ExecutionRole(environment) })
            await iam.CallAsync("CreateRole", [new("RoleName", role), new("AssumeRolePolicyDocument", trust)], default);
        const string boundary = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:PutLogEvents","Resource":"*"}]}""";
        await iam.CallAsync("CreatePolicy", [new("PolicyName", DeploymentNames.PermissionsBoundary(environment)), new("PolicyDocument", boundary)], default);

        var after = await check.CheckAsync(default);
        after.Should().AllSatisfy(r => r.Outcome.Should().Be(PreflightOutcome.Pass, r.ToString()));
        Row(after, "GitHub OIDC provider").Detail.Should().Be($"{provider} (audience sts.amazonaws.com)");
    }

    /// <summary>The account has one GitHub provider at most (its URL is its name): this test's, or one an earlier test made.</summary>
    static async Task<string> ExistingOrNewGitHubProviderAsync(AwsQueryClient iam)
    {
        var existing = (await iam.CallAsync("ListOpenIDConnectProviders", [], default)).Descendants("Arn").Select(a => a.Value)
            .FirstOrDefault(a => a.EndsWith("/token.actions.githubusercontent.com", StringComparison.Ordinal));
        if (existing is not null)
            return existing;
        var created = await iam.CallAsync("CreateOpenIDConnectProvider",
            [new("Url", "https://token.actions.githubusercontent.com"), new("ClientIDList.member.1", "sts.amazonaws.com"),
             new("ThumbprintList.member.1", "6938fd4d98bab03faadb97b34396831e3780aea1")], default);
        return created.Descendants("OpenIDConnectProviderArn").Single().Value;
    }

    [Fact]
    public async Task Quotas_pass_with_room_and_fail_with_the_increase_command_once_the_VPCs_are_used_up()
    {
        // eu-west-3: no other test makes VPCs there.
        using var aws = Context(Settings(), "eu-west-3");
        var passing = await new QuotaCheck(aws).CheckAsync(default);

        var vpcs = Row(passing, "quota VPCs per Region");
        vpcs.Outcome.Should().Be(PreflightOutcome.Pass, vpcs.Detail);
        vpcs.Detail.Should().MatchRegex($@"^\d+ in use \+ 1 for {environment} \(its VPC\) = \d+ of 5 \(applied to this account; vpc L-F678F1CE\)$");
        Row(passing, "quota EC2-VPC Elastic IPs").Detail.Should().Contain("+ 1 for").And.Contain("of 5 (");
        Row(passing, "quota Application Load Balancers per Region").Detail.Should().Contain($"+ {Catalog.Services.Count} for {environment} (one per service)").And.Contain("of 50 (");

        var ec2 = new AwsQueryClient(aws.Connection, AwsService.Ec2, "2016-11-15", Http);
        var made = new List<string>();
        try
        {
            for (var used = await new Ec2Client(aws.Connection, Http).CountVpcsAsync(default); used < 5; used++)
                made.Add((await ec2.CallAsync("CreateVpc", [new("CidrBlock", $"10.{100 + made.Count}.0.0/16")], default))
                    .Descendants("vpcId").First().Value);

            var failing = Row(await new QuotaCheck(aws).CheckAsync(default), "quota VPCs per Region");

            failing.Outcome.Should().Be(PreflightOutcome.Fail);
            failing.Detail.Should().StartWith($"5 in use + 1 for {environment} (its VPC) = 6 of 5");
            failing.Fix.Should().StartWith("aws service-quotas request-service-quota-increase --service-code vpc --quota-code L-F678F1CE --desired-value 6 --region eu-west-3");
        }
        finally
        {
            foreach (var vpc in made)
                await ec2.CallAsync("DeleteVpc", [new("VpcId", vpc)], default);
        }
    }
}
