using Pipeline.Build.Aws.Clients;
using Pipeline.IntegrationTests.Infrastructure;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.EndToEnd;

/// <summary>
/// <c>./build.sh Preflight --profile dev</c> as a user runs it, against moto: on an account without the environment's roles
/// it prints every row, the commands that fix the failed ones and exits 1; once an administrator has made the GitHub provider
/// and the roles it exits 0, warnings (service-linked roles AWS creates itself) and all. Needs no Docker.
/// </summary>
public sealed class PreflightEndToEndTests(MotoServer moto) : MotoTests(moto)
{
    // A region no other test deploys a VPC to, so the VPC quota row does not depend on them.
    const string Region = "eu-west-2";
    readonly string environment = "pre" + Guid.NewGuid().ToString("N")[..8];
    readonly string secretKey = $"FAKE/PREFLIGHT+KEY/{Guid.NewGuid():N}";

    Task<BuildScriptRun> PreflightAsync(RepositoryCopy copy) =>
        BuildScript.RunAsync(copy.Root, ["Preflight", "--profile", "dev", "--deploy-environment", environment, "--aws-region", Region],
            new Dictionary<string, string>
            {
                ["AWS_ENDPOINT_URL"] = Moto.Endpoint.ToString().TrimEnd('/'),
                ["AWS_ACCESS_KEY_ID"] = MotoServer.AccessKey,
                ["AWS_SECRET_ACCESS_KEY"] = secretKey,
            }, TimeSpan.FromMinutes(10));

    [ToolFact("git", "moto")]
    public async Task Preflight_fails_naming_the_fix_of_each_missing_role_then_passes_once_they_exist()
    {
        using var copy = RepositoryCopy.Create();

        var first = await PreflightAsync(copy);

        first.ExitCode.Should().Be(1, first.Describe());
        first.Output.Should().MatchRegex(@"region\s+ok\s+eu-west-2")
            .And.MatchRegex(@"caller and account\s+ok\s+arn:aws:sts::123456789012:user/moto")
            .And.MatchRegex(@"zones for VPC links\s+ok\s+euw2-az1 \(eu-west-2c\), euw2-az2 \(eu-west-2a\)")
            .And.MatchRegex(@"quota VPCs per Region\s+ok\s+\d+ in use \+ 1 for " + environment)
            .And.MatchRegex($@"deploy role {DeploymentNames.DeployRole(environment)}\s+FAILED\s+missing");
        first.Output.Should().Contain("To fix:")
            .And.Contain($"deploy role {DeploymentNames.DeployRole(environment)} (FAILED): ./build.sh DeployRole --profile dev --github-repository <owner/name>, then run the commands it prints")
            .And.Contain("Run the commands under 'To fix:' above, then ./build.sh Preflight --profile dev again.");
        first.Output.Should().NotContain(secretKey);

        await CreateWhatAnAdministratorWouldAsync();
        var second = await PreflightAsync(copy);

        second.ExitCode.Should().Be(0, second.Describe());
        second.Output.Should().MatchRegex(@"Preflight of " + environment + @" in eu-west-2: \d+ passed, (\d+ warnings?, )?0 failed\.");
        second.Output.Should().NotContain("FAILED").And.NotContain(secretKey);
    }

    /// <summary>The GitHub OIDC provider (once per account), the environment's three roles and its permissions boundary, as DeployRole's commands make them.</summary>
    async Task CreateWhatAnAdministratorWouldAsync()
    {
        var iam = new AwsQueryClient(Connection, AwsService.Iam, "2010-05-08", Http);
        var providers = await iam.CallAsync("ListOpenIDConnectProviders", [], default);
        if (!providers.Descendants("Arn").Any(a => a.Value.EndsWith("/token.actions.githubusercontent.com", StringComparison.Ordinal)))
            await iam.CallAsync("CreateOpenIDConnectProvider",
                [new("Url", "https://token.actions.githubusercontent.com"), new("ClientIDList.member.1", "sts.amazonaws.com"),
                 new("ThumbprintList.member.1", "6938fd4d98bab03faadb97b34396831e3780aea1")], default);
        const string trust = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudformation.amazonaws.com"},"Action":"sts:AssumeRole"}]}""";
        foreach (var role in new[] { DeploymentNames.DeployRole(environment), DeploymentNames.ReadOnlyRole(environment), DeploymentNames.ExecutionRole(environment) })
            await iam.CallAsync("CreateRole", [new("RoleName", role), new("AssumeRolePolicyDocument", trust)], default);
        const string boundary = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:PutLogEvents","Resource":"*"}]}""";
        await iam.CallAsync("CreatePolicy", [new("PolicyName", DeploymentNames.PermissionsBoundary(environment)), new("PolicyDocument", boundary)], default);
    }
}
