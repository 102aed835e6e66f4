using System.Text.RegularExpressions;
using Docker.DotNet.Models;
using Pipeline.Build.Aws.History;
using Pipeline.Build.Aws.Roles;
using Pipeline.Build.Images;
using Pipeline.IntegrationTests.Infrastructure;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.EndToEnd;

/// <summary>
/// What the generated workflows run, through <c>./build.sh</c> against moto (images in the local registry, health through
/// the copy's local gateway), every AWS call written down by a recording proxy and checked against the role that would
/// make it: deploy dev with its job summary and history id; verify dev (read-only); deploy prod with the digests dev
/// verified, copied and not built; the pull request preview (Diff, read-only); DeployRole with the account from STS.
/// </summary>
[Collection(EndToEndCollection.Name)]
[TestCaseOrderer(ScenarioOrderer.TypeName, ScenarioOrderer.AssemblyName)]
public sealed partial class AwsPromotionEndToEndTests(AwsDeploymentFixture fixture, AwsPromotionEndToEndTests.Scenario scenario)
    : IClassFixture<AwsDeploymentFixture>, IClassFixture<AwsPromotionEndToEndTests.Scenario>
{
    const string Repository = "octo-org/apigw-pipeline";

    /// <summary>What the steps learn and the later steps check against; owns the recording proxy.</summary>
    public sealed class Scenario : IAsyncLifetime
    {
        public AwsActionRecorder? Recorder { get; set; }
        public string? DevRecord { get; set; }
        public DeployRecord? DevDeploy { get; set; }

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync()
        {
            if (Recorder is not null)
                await Recorder.DisposeAsync();
        }
    }

    IsolatedDeployment Deployment => fixture.Deployment;

    string Dev => Deployment.Environment;

    string Prod => Deployment.Environment + "prod";

    AwsActionRecorder Recorder => scenario.Recorder ??= new AwsActionRecorder(fixture.CloudFormation.Endpoint);

    [EndToEndFact(NeedsMoto = true)]
    public async Task Dev_deploy_calls_only_what_its_deploy_role_allows_and_summarizes_itself_for_the_job()
    {
        await fixture.LocallyDeployedAsync();
        var (summary, outputs) = (Artifact("summary-deploy-dev.md"), Artifact("github-output-dev"));
        Recorder.Clear();

        var deploy = await RunAsync("dev", Dev, Job(summary, outputs), "Deploy");

        deploy.ExitCode.Should().Be(0, deploy.Describe());
        scenario.DevRecord = HistoryIdPattern().Match(File.ReadAllText(outputs)).Groups["id"].Value;
        scenario.DevRecord.Should().NotBeNullOrEmpty("the deploy job hands its history record to the prod job as a step output");
        scenario.DevDeploy = await DeployRecordWriter.ReadAsync(Path.Combine(Deployment.Copy.Root, "artifacts", "deploy", $"{Dev}.json"), default);
        scenario.DevDeploy!.Images.Should().AllSatisfy(i => i.Digest.Should().StartWith("sha256:"));
        File.ReadAllText(summary).Should().Contain($"### Deploy of {Dev} succeeded")
            .And.Contain($"**History record:** {scenario.DevRecord}")
            .And.Contain("**What changed:**")
            .And.Contain("✅ version");
        Recorder.Actions.Should().Contain(["cloudformation:ExecuteChangeSet", "ecs:DescribeServices", "s3:PutObject", "sts:GetCallerIdentity"],
            "every AWS call of the run, SDK and our own clients alike, goes through the recording proxy");
        ShouldBeAllowed(Recorder.Actions, PipelineRoles.DeployPolicies(ScopeOf(Dev)), "dev's deploy role");
    }

    [EndToEndFact(NeedsMoto = true)]
    public async Task Verify_of_dev_reads_only_what_the_read_only_role_allows()
    {
        var summary = Artifact("summary-verify-dev.md");
        Recorder.Clear();

        var verify = await RunAsync("dev", Dev, Job(summary), "Verify");

        verify.ExitCode.Should().Be(0, verify.Describe());
        verify.Output.Should().Contain($"Environment {Dev} is healthy: every service (2) serves the image tag its stack runs.");
        File.ReadAllText(summary).Should().Contain($"### Health of {Dev}: every service serves the image tag its stack runs");
        ShouldBeAllowed(Recorder.Actions, [PipelineRoles.ReadOnly(ScopeOf(Dev))], "the read-only role");
    }

    [EndToEndFact(NeedsMoto = true)]
    public async Task Prod_deploy_runs_the_digests_dev_verified_copied_and_never_built()
    {
        scenario.DevRecord.Should().NotBeNull("the dev deploy ran first");
        var summary = Artifact("summary-deploy-prod.md");
        Recorder.Clear();

        var deploy = await RunAsync("prod", Prod, Job(summary), "Deploy", "--promote-from", Dev, "--promote-record", scenario.DevRecord!);

        deploy.ExitCode.Should().Be(0, deploy.Describe());
        deploy.Output.Should().MatchRegex(@"BuildImages\s+skipped")
            .And.Contain($"Promotion to {Prod}: the images of {Dev}'s Deploy {scenario.DevRecord}");
        using var registry = new RegistryClient();
        foreach (var image in scenario.DevDeploy!.Images)
        {
            var prodRepository = $"{Requires.LocalRegistry}/{DeploymentNames.Repository(Prod, image.Service)}";
            (await registry.TryGetDigestAsync(prodRepository, image.Tag, null)).Should().Be(image.Digest, $"{image.Service} runs in {Prod} as the image {Dev} verified");
            (await fixture.StackAsync(DeploymentNames.ServiceStack(Prod, image.Service))).Parameters[DeploymentNames.ImageTagParameter(image.Service)].Should().Be(image.Tag);
        }
        (await LocalImageTagsAsync()).Should().NotContain(t => t.Contains(DeploymentNames.RepositoryNamespace(Prod) + "/", StringComparison.Ordinal),
            "promotion copies registry to registry; nothing is built or pulled into the engine");
        File.ReadAllText(summary).Should().Contain($"**Images:** promoted from {Dev}/{scenario.DevRecord}");
        ShouldBeAllowed(Recorder.Actions, PipelineRoles.DeployPolicies(ScopeOf(Prod) with { PromotedFrom = Dev }), "prod's deploy role");

        var history = await RunAsync("prod", Prod, new Dictionary<string, string>(), "History", "--format", "json");
        history.ExitCode.Should().Be(0, history.Describe());
        history.Output.Should().Contain($"\"promotedFrom\": \"{Dev}/{scenario.DevRecord}\"");
    }

    [EndToEndFact(NeedsMoto = true)]
    public async Task The_pull_request_preview_reads_only_what_the_read_only_role_allows()
    {
        var oldTag = scenario.DevDeploy!.Images.Single(i => i.Service == "mcp").Tag;
        Deployment.Copy.AppendLine("services/mcp/Program.cs", $"// changed by the promotion end-to-end test {Guid.NewGuid():N}");
        var summary = Artifact("summary-preview.md");
        Recorder.Clear();

        var diff = await RunAsync("dev", Dev, Job(summary), "Diff", "--format", "markdown");

        diff.ExitCode.Should().Be(0, diff.Describe());
        File.ReadAllText(summary).Should().Contain($"## Diff of environment {Dev} (us-east-1): what `./build.sh Deploy` would change")
            .And.Contain($"ImageTagMcp {oldTag} →");
        var actions = Recorder.Actions;
        ShouldBeAllowed(actions, [PipelineRoles.ReadOnly(ScopeOf(Dev))], "the read-only role");
        actions.Should().AllSatisfy(a => a[(a.IndexOf(':') + 1)..].Should().MatchRegex("^(Describe|Get|List)", "Diff reads only"));
    }

    [EndToEndFact(NeedsMoto = true)]
    public async Task DeployRole_takes_the_account_from_STS_and_writes_the_policies_of_every_synthesized_resource_type()
    {
        var run = await RunAsync("prod", Prod, new Dictionary<string, string>(), "DeployRole", "--github-repository", Repository, "--promote-from", Dev);

        run.ExitCode.Should().Be(0, run.Describe());
        run.Output.Should().Contain("as an administrator of account 123456789012:");
        var folder = Path.Combine(Deployment.Copy.Root, "artifacts", "deploy-role", Prod);
        File.ReadAllText(Path.Combine(folder, "deploy-trust.json")).Should().Contain($"\"repo:{Repository}:environment:{Prod}\"");
        File.ReadAllText(Path.Combine(folder, "readonly-trust.json")).Should().Contain($"\"repo:{Repository}:pull_request\"");
        File.ReadAllText(Path.Combine(folder, "deploy-images.json")).Should().Contain($"repository/{DeploymentNames.RepositoryNamespace(Dev)}/*");
        Directory.GetFiles(folder, "cfn-exec-resources*.json").Should().NotBeEmpty("the execution role holds what CloudFormation creates");
        File.ReadAllText(Path.Combine(folder, "cfn-exec-trust.json")).Should().Contain("\"cloudformation.amazonaws.com\"");
        File.ReadAllText(Path.Combine(folder, "boundary.json")).Should().Contain("\"iam:*\"");
        File.ReadAllText(Path.Combine(folder, "deploy-stacks.json")).Should().Contain($"role/{DeploymentNames.ExecutionRole(Prod)}");
    }

    [EndToEndFact(NeedsMoto = true)]
    public void No_run_printed_the_secret_key()
    {
        foreach (var run in Deployment.Runs)
            run.Output.Should().NotContain(fixture.SecretKey, run.CommandLine);
    }

    /// <summary>The roles of an environment as DeployRole writes them for moto's account, with the resource types the copy synthesized.</summary>
    RoleScope ScopeOf(string environment)
    {
        using var templates = Pipeline.Build.Reports.SynthesizedTemplates.Read(Path.Combine(Deployment.Copy.Root, "artifacts", "cdk.out", environment));
        var types = templates.Stacks.SelectMany(s => s.Template.RootElement.GetProperty("Resources").EnumerateObject())
            .Select(r => r.Value.GetProperty("Type").GetString()!).ToHashSet();
        return new RoleScope(environment, "123456789012", MotoServer.Region, Repository) { ResourceTypes = types };
    }

    /// <summary>Every recorded call is allowed by a statement that applies to the caller's own requests.</summary>
    static void ShouldBeAllowed(IReadOnlyList<string> actions, IEnumerable<IamPolicy> policies, string role)
    {
        var allowed = policies.SelectMany(p => p.Statements)
            .Where(s => !s.Conditions.Values.Any(keys => keys.ContainsKey("aws:CalledVia")))
            .SelectMany(s => s.Actions)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        actions.Should().NotBeEmpty("the run went through the recording proxy");
        actions.Distinct().Where(a => !allowed.Contains(a)).Should().BeEmpty($"{role} must allow every call the run made ({string.Join(", ", actions.Distinct().Order())})");
    }

    string Artifact(string name)
    {
        var directory = Path.Combine(Deployment.Copy.Root, "artifacts");
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, name);
    }

    /// <summary>What GitHub Actions sets for a step: the job summary and the step outputs files.</summary>
    static Dictionary<string, string> Job(string summary, string? outputs = null)
    {
        var environment = new Dictionary<string, string> { ["GITHUB_STEP_SUMMARY"] = summary };
        if (outputs is not null)
            environment["GITHUB_OUTPUT"] = outputs;
        return environment;
    }

    /// <summary><c>./build.sh</c> with a profile and environment name, AWS through the recording proxy, images in the local registry, health through the copy's gateway.</summary>
    async Task<BuildScriptRun> RunAsync(string profile, string environment, IReadOnlyDictionary<string, string> variables, params string[] arguments) =>
        await Deployment.RunAsync(
            [.. arguments, "--profile", profile, "--deploy-environment", environment, "--registry", Requires.LocalRegistry,
             "--health-url", Deployment.GatewayUrl.ToString(), "--health-timeout", "60s"],
            new Dictionary<string, string>(variables)
            {
                ["AWS_ENDPOINT_URL"] = Recorder.Endpoint.ToString().TrimEnd('/'),
                ["AWS_ACCESS_KEY_ID"] = MotoServer.AccessKey,
                ["AWS_SECRET_ACCESS_KEY"] = fixture.SecretKey,
                ["AWS_REGION"] = MotoServer.Region,
            });

    static async Task<IReadOnlyList<string>> LocalImageTagsAsync()
    {
        using var engine = new DockerEngine();
        var docker = await engine.ConnectAsync();
        return (await docker.Images.ListImagesAsync(new ImagesListParameters())).SelectMany(i => i.RepoTags ?? []).ToList();
    }

    [GeneratedRegex("^history_id=(?<id>.+)$", RegexOptions.Multiline)]
    private static partial Regex HistoryIdPattern();
}
