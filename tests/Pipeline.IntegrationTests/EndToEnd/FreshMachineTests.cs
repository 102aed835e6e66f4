using Pipeline.Build.Aws.Clients;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.EndToEnd;

/// <summary>
/// What a newcomer meets first, through <c>./build.sh</c> of one repository copy: synthesis without Docker or AWS,
/// a dry run against an account where the environment does not exist yet, and the errors for a wrong AWS profile,
/// a local-only SynthInfra and a base-image mirror that does not answer.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class FreshMachineTests(FreshMachineTests.Copy fixture) : IClassFixture<FreshMachineTests.Copy>
{
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    /// <summary>No engine, no credentials, no AWS config: a machine that has only cloned the repository.</summary>
    IReadOnlyDictionary<string, string> NothingConfigured => new Dictionary<string, string>
    {
        ["DOCKER_HOST"] = "unix:///nonexistent/docker.sock",
        ["AWS_CONFIG_FILE"] = Path.Combine(fixture.Root, "no-aws-config"),
        ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(fixture.Root, "no-aws-credentials"),
        ["AWS_EC2_METADATA_DISABLED"] = "true",
    };

    [EndToEndFact(NeedsMoto = true)]
    public async Task SynthInfra_on_an_AWS_profile_needs_neither_a_Docker_engine_nor_AWS_credentials()
    {
        var synth = await fixture.RunAsync(["SynthInfra", "--profile", "dev"], NothingConfigured);

        synth.ExitCode.Should().Be(0, synth.Describe());
        var outDirectory = Path.Combine(fixture.Root, "artifacts", "cdk.out", "dev");
        File.Exists(Path.Combine(outDirectory, DeploymentNames.RegistryStack("dev") + ".template.json")).Should().BeTrue(synth.Describe());
        foreach (var stack in new[] { DeploymentNames.SharedStack("dev"), DeploymentNames.ServiceStack("dev", "fastapi"), DeploymentNames.ServiceStack("dev", "mcp") })
            File.Exists(Path.Combine(outDirectory, stack + ".template.json")).Should().BeTrue(synth.Describe());
        synth.Output.Should().NotContain("BuildImages").And.NotContain("Docker engine");
    }

    [EndToEndFact]
    public async Task SynthInfra_on_the_local_profile_names_the_AWS_profiles_to_use_instead_of_skipping()
    {
        var synth = await fixture.RunAsync(["SynthInfra"], NothingConfigured);

        synth.ExitCode.Should().Be(2, synth.Describe());
        synth.Output.Should().Contain("./build.sh SynthInfra --profile dev").And.Contain("--profile prod").And.NotContain("skipped");
    }

    [EndToEndFact]
    public async Task An_unknown_aws_profile_fails_before_anything_runs_naming_it_and_the_profiles_that_exist()
    {
        var config = Path.Combine(fixture.Root, "aws-config-with-two-profiles");
        await File.WriteAllTextAsync(config,
            "[profile team-a]\nregion = eu-west-1\naws_access_key_id = AKIAEXAMPLEA\naws_secret_access_key = secretA\n\n" +
            "[profile team-b]\nregion = us-east-1\naws_access_key_id = AKIAEXAMPLEB\naws_secret_access_key = secretB\n");
        var environment = new Dictionary<string, string>(NothingConfigured) { ["AWS_CONFIG_FILE"] = config };

        var deploy = await fixture.RunAsync(["Deploy", "--profile", "dev", "--aws-profile", "nosuchprofile"], environment);

        deploy.ExitCode.Should().Be(2, deploy.Describe());
        deploy.Output.Should().Contain("AWS profile 'nosuchprofile'").And.Contain("team-a, team-b").And.Contain("--aws-profile");
        deploy.Output.Should().NotContain("Running Deploy", "nothing may run with the wrong account's credentials");
    }

    [EndToEndFact(NeedsMoto = true)]
    public async Task A_dry_run_deploy_of_an_environment_that_does_not_exist_yet_succeeds_and_creates_nothing()
    {
        var moto = new MotoServer();
        await moto.InitializeAsync();
        try
        {
            await DryRunAgainstAsync(moto);
        }
        finally
        {
            await moto.DisposeAsync();
        }
    }

    async Task DryRunAgainstAsync(MotoServer moto)
    {
        var environment = "fresh" + Guid.NewGuid().ToString("N")[..6];

        // As a newcomer types it: no --registry, no BASE_IMAGE_REGISTRY, ECR as the profile says.
        var dryRun = await fixture.RunAsync(["Deploy", "--profile", "dev", "--deploy-environment", environment, "--dry-run"], moto.ChildEnvironment);

        dryRun.ExitCode.Should().Be(0, dryRun.Describe());
        dryRun.Output.Should().Contain($"stack {DeploymentNames.SharedStack(environment)}:").And.Contain("to add");
        dryRun.Output.Should().Contain($"stack {DeploymentNames.ServiceStack(environment, "mcp")} would be created with");
        foreach (var service in new[] { "fastapi", "mcp" })
        {
            dryRun.Output.Should().MatchRegex($@"{service}: would start \d+ task\(s\)", dryRun.Describe());
            dryRun.Output.Should().MatchRegex($@"would check https://\S+/api/{service}/health", dryRun.Describe());
        }
        var cloudFormation = new CloudFormationClient(moto.Connection(), new HttpClient());
        foreach (var stack in new[] { DeploymentNames.RegistryStack(environment), DeploymentNames.SharedStack(environment), DeploymentNames.ServiceStack(environment, "fastapi") })
            (await cloudFormation.DescribeStackAsync(stack, CancellationToken.None))?.Status.Should().Be("DELETE_COMPLETE", $"a dry run leaves no stack {stack} behind");
    }

    /// <summary>One copy (one compile of the pipeline) for every test of the class.</summary>
    public sealed class Copy : IDisposable
    {
        readonly RepositoryCopy copy = RepositoryCopy.Create();

        public string Root => copy.Root;

        public Task<BuildScriptRun> RunAsync(IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment) =>
            BuildScript.RunAsync(copy.Root, arguments, environment, Timeout);

        public void Dispose() => copy.Dispose();
    }
}
