using Pipeline.Build.Synthesis;
using Pipeline.Infra.Tests.Support;
using Pipeline.Manifests;

namespace Pipeline.Infra.Tests.Synthesis;

[Collection(SynthesizedInfraCollection.Name)]
public sealed class StackSynthesizerTests : IDisposable
{
    readonly string _scratch = Path.Combine(Path.GetTempPath(), "pipeline-synth-tests-" + Guid.NewGuid().ToString("N")[..8]);

    static SynthRequest Request(string outDirectory, string fastapiTag = "aaaaaaaaaaaa") => new(
        "dev", 1, "us-east-1",
        new Dictionary<string, string> { ["fastapi"] = fastapiTag, ["mcp"] = "bbbbbbbbbbbb" },
        outDirectory);

    static ServiceCatalog RealCatalog => ServiceCatalog.Load(ServiceCatalog.FindServicesDirectory());

    [Fact]
    public void Input_hash_follows_sources_manifests_and_parameters_only()
    {
        var root = FakeRepository();
        var synthesizer = new StackSynthesizer(root);
        var request = Request(Path.Combine(_scratch, "out"));
        var baseline = synthesizer.InputHash(request);

        synthesizer.InputHash(request with { OutDirectory = Path.Combine(_scratch, "elsewhere") }).Should().Be(baseline, "the out folder is not an input");
        synthesizer.InputHash(request with { ImageTags = request.ImageTags.Reverse().ToDictionary() }).Should().Be(baseline, "tag order is not an input");
        synthesizer.InputHash(request with { NatGateways = 2 }).Should().NotBe(baseline);
        synthesizer.InputHash(request with { Region = "eu-west-1" }).Should().NotBe(baseline);
        synthesizer.InputHash(Request(request.OutDirectory, "cccccccccccc")).Should().NotBe(baseline);
        // The identity provider and the alarm subscribers are in the shared stack's template.
        synthesizer.InputHash(request with { JwtIssuer = "https://login.example.com/", JwtAudience = "api" }).Should().NotBe(baseline);
        synthesizer.InputHash(request with { AlarmEmail = "oncall@example.com" }).Should().NotBe(baseline);
        synthesizer.InputHash(request with { AlarmHttpsEndpoint = "https://hooks.example.com/x" }).Should().NotBe(baseline);
        // So are the interactive Cognito client's callback URLs.
        synthesizer.InputHash(request with { McpCallbackUrls = ["https://mcp-clients.example.com/cb"] }).Should().NotBe(baseline);
        // And this run's --strategy and --bake-time are in every service stack's.
        synthesizer.InputHash(request with { Strategy = "rolling" }).Should().NotBe(baseline);
        synthesizer.InputHash(request with { BakeTimeMinutes = 0 }).Should().NotBe(baseline);

        File.WriteAllText(Path.Combine(root, "infra", "README.md"), "docs do not change templates");
        Directory.CreateDirectory(Path.Combine(root, "infra", "bin"));
        File.WriteAllText(Path.Combine(root, "infra", "bin", "Generated.cs"), "// build output");
        synthesizer.InputHash(request).Should().Be(baseline);

        File.AppendAllText(Path.Combine(root, "services", "fastapi", "service.json"), " ");
        var afterManifest = synthesizer.InputHash(request);
        afterManifest.Should().NotBe(baseline);

        File.AppendAllText(Path.Combine(root, "infra", "Network.cs"), "// changed");
        synthesizer.InputHash(request).Should().NotBe(afterManifest);
    }

    [Fact]
    public async Task Dry_run_builds_and_writes_nothing()
    {
        var root = FakeRepository();
        var appDirectory = Path.Combine(_scratch, "app");
        var outDirectory = Path.Combine(_scratch, "out");
        var log = new RecordingStepLog();

        var result = await new StackSynthesizer(root, appDirectory).SynthesizeAsync(Request(outDirectory), dryRun: true, log, CancellationToken.None);

        result.Outcome.Should().Be(SynthOutcome.DryRun);
        Directory.Exists(appDirectory).Should().BeFalse();
        Directory.Exists(outDirectory).Should().BeFalse();
        result.Services.Should().Equal("fastapi", "mcp");
        log.Lines.Should().ContainSingle(l => l.Contains(
            $"Would build the CDK app, then synthesize apigw-dev-registry, apigw-dev-shared and 2 service stacks into {Path.GetFullPath(outDirectory)}"));
    }

    [ToolFact("node")]
    public async Task Synth_writes_checked_templates_then_skips_until_an_input_changes()
    {
        Requirements.RequireTools("node");
        var synthesizer = new StackSynthesizer(RepositoryRoot.Find());
        var outDirectory = Path.Combine(_scratch, "cdk.out");

        var firstLog = new RecordingStepLog();
        var first = await synthesizer.SynthesizeAsync(Request(outDirectory), dryRun: false, firstLog, CancellationToken.None);
        first.Outcome.Should().Be(SynthOutcome.Synthesized, string.Join("\n", firstLog.Lines));
        first.Services.Should().Equal(ServiceCatalog.Load(ServiceCatalog.FindServicesDirectory()).Names);
        first.StackNames.Should().HaveCount(2 + first.Services.Count).And.OnlyContain(stack => File.Exists(first.TemplatePath(stack)));
        File.ReadAllText(first.ServiceTemplatePath("fastapi")).Should().Contain("\"Default\": \"aaaaaaaaaaaa\"");
        File.ReadAllText(first.ServiceTemplatePath("mcp")).Should().Contain("\"Default\": \"bbbbbbbbbbbb\"");
        File.ReadAllText(Path.Combine(outDirectory, StackSynthesizer.StampFileName)).Should().Be(first.InputHash);
        // One count line per stack, each matching its template.
        foreach (var stack in first.StackNames)
        {
            var count = new TemplateJson(File.ReadAllText(first.TemplatePath(stack))).Root.GetProperty("Resources").EnumerateObject().Count();
            firstLog.Lines.Should().ContainSingle(l => l.StartsWith($"info: {stack}: {count} resources (most: ", StringComparison.Ordinal), stack);
        }
        firstLog.Lines.Should().Contain(l => l.StartsWith("info: apigw-dev-registry: ", StringComparison.Ordinal) && l.Contains("AWS::ECR::Repository"));
        firstLog.Lines.Should().Contain(l => l.Contains($"Synthesized {first.Describe()} into {outDirectory}"));
        var writes = first.StackNames.ToDictionary(stack => stack, stack => File.GetLastWriteTimeUtc(first.TemplatePath(stack)));

        var secondLog = new RecordingStepLog();
        var second = await synthesizer.SynthesizeAsync(Request(outDirectory), dryRun: false, secondLog, CancellationToken.None);
        second.Outcome.Should().Be(SynthOutcome.UpToDate);
        secondLog.Lines.Should().ContainSingle(l => l.Contains("up to date") && l.Contains("skipped synth"));
        foreach (var (stack, written) in writes)
            File.GetLastWriteTimeUtc(first.TemplatePath(stack)).Should().Be(written, stack);

        var third = await synthesizer.SynthesizeAsync(Request(outDirectory, "dddddddddddd"), dryRun: false, new RecordingStepLog(), CancellationToken.None);
        third.Outcome.Should().Be(SynthOutcome.Synthesized);
        File.ReadAllText(third.ServiceTemplatePath("fastapi")).Should().Contain("\"Default\": \"dddddddddddd\"");

        // The run's --strategy and --bake-time reach every service stack (DeploySettings.StrategyOverride, BakeTimeOverride).
        var fourthLog = new RecordingStepLog();
        var fourth = await synthesizer.SynthesizeAsync(Request(outDirectory) with { Strategy = "blue-green", BakeTimeMinutes = 9 }, dryRun: false, fourthLog,
            CancellationToken.None);
        fourth.Outcome.Should().Be(SynthOutcome.Synthesized);
        foreach (var service in fourth.Services)
        {
            var configuration = new TemplateJson(File.ReadAllText(fourth.ServiceTemplatePath(service))).OfType("AWS::ECS::Service").Single()
                .Properties.GetProperty("DeploymentConfiguration");
            configuration.GetProperty("Strategy").GetString().Should().Be("BLUE_GREEN", service);
            configuration.GetProperty("BakeTimeInMinutes").GetInt32().Should().Be(9, service);
        }
        // ...and jsii's node banner does not reach the log.
        firstLog.Lines.Concat(fourthLog.Lines).Should().NotContain(l => l.Contains("!!", StringComparison.Ordinal) || l.Contains("end-of-life", StringComparison.Ordinal));
    }

    [Fact]
    public void Templates_that_break_a_rule_fail_the_step_with_every_violation()
    {
        var outDirectory = Path.Combine(_scratch, "bad");
        Directory.CreateDirectory(outDirectory);
        File.WriteAllText(Path.Combine(outDirectory, "apigw-dev-registry.template.json"),
            """{"Resources":{"Repo":{"Type":"AWS::ECR::PublicRepository","Properties":{}}}}""");
        File.WriteAllText(Path.Combine(outDirectory, "apigw-dev-shared.template.json"),
            """{"Resources":{"Vpc":{"Type":"AWS::EC2::VPC","Properties":{"CidrBlock":"10.0.0.0/16"}}}}""");
        File.WriteAllText(Path.Combine(outDirectory, "apigw-dev-fastapi.template.json"),
            """{"Resources":{"Open":{"Type":"AWS::EC2::SecurityGroupIngress","Properties":{"GroupId":"sg-1","IpProtocol":"tcp","FromPort":80,"ToPort":80,"CidrIp":"0.0.0.0/0"}}}}""");
        File.WriteAllText(Path.Combine(outDirectory, "apigw-dev-mcp.template.json"), """{"Resources":{}}""");
        var result = new SynthResult(outDirectory, "dev", SynthOutcome.Synthesized, "", ["fastapi", "mcp"]);

        FluentActions.Invoking(() => StackSynthesizer.CheckTemplates(result, RealCatalog, new RecordingStepLog(), countResources: false))
            .Should().Throw<Pipeline.Build.Engine.PipelineException>()
            .WithMessage("*3 security rule(s)*apigw-dev-registry/Repo*Pipeline-VPC7 apigw-dev-shared/Vpc*Pipeline-EC23 apigw-dev-fastapi/Open*nothing was deployed*");
    }

    [Fact]
    public void A_missing_service_template_fails_the_step()
    {
        var outDirectory = Path.Combine(_scratch, "partial");
        Directory.CreateDirectory(outDirectory);
        foreach (var stack in new[] { "registry", "shared", "fastapi" })
            File.WriteAllText(Path.Combine(outDirectory, $"apigw-dev-{stack}.template.json"), """{"Resources":{}}""");
        var result = new SynthResult(outDirectory, "dev", SynthOutcome.Synthesized, "", ["fastapi", "mcp"]);

        FluentActions.Invoking(() => StackSynthesizer.CheckTemplates(result, RealCatalog, new RecordingStepLog(), countResources: false))
            .Should().Throw<Pipeline.Build.Engine.PipelineException>().WithMessage("*apigw-dev-mcp.template.json is missing*");
    }

    [Fact]
    public async Task An_up_to_date_stamp_does_not_let_a_template_that_breaks_a_rule_through()
    {
        var root = FakeRepository();
        var outDirectory = Path.Combine(_scratch, "stale");
        var synthesizer = new StackSynthesizer(root, Path.Combine(_scratch, "app"));
        var request = Request(outDirectory);
        Directory.CreateDirectory(outDirectory);
        foreach (var stack in new[] { "registry", "fastapi", "mcp" })
            File.WriteAllText(Path.Combine(outDirectory, $"apigw-dev-{stack}.template.json"), """{"Resources":{}}""");
        File.WriteAllText(Path.Combine(outDirectory, "apigw-dev-shared.template.json"),
            """{"Resources":{"Cluster":{"Type":"AWS::ECS::Cluster","Properties":{}}}}""");
        File.WriteAllText(Path.Combine(outDirectory, StackSynthesizer.StampFileName), synthesizer.InputHash(request));

        await FluentActions.Awaiting(() => synthesizer.SynthesizeAsync(request, dryRun: false, new RecordingStepLog(), CancellationToken.None))
            .Should().ThrowAsync<Pipeline.Build.Engine.PipelineException>().WithMessage("*Pipeline-ECS4 apigw-dev-shared/Cluster*");
    }

    /// <summary>Just enough of a repository for hashing and for the catalog: an infra source and two valid manifests.</summary>
    string FakeRepository()
    {
        var root = Path.Combine(_scratch, "repo");
        Directory.CreateDirectory(Path.Combine(root, "infra"));
        File.WriteAllText(Path.Combine(root, "infra", "Network.cs"), "namespace X;");
        File.WriteAllText(Path.Combine(root, "infra", "Pipeline.Infra.csproj"), "<Project />");
        foreach (var service in new[] { "fastapi", "mcp" })
        {
            Directory.CreateDirectory(Path.Combine(root, "services", service));
            File.WriteAllText(Path.Combine(root, "services", service, "service.json"), $$"""
                { "name": "{{service}}", "port": {{(service == "fastapi" ? 8000 : 3000)}}, "routePrefix": "/api/{{service}}", "healthPath": "/health",
                  "cpu": 256, "memory": 512, "minTasks": 1, "maxTasks": 2, "readOnlyRootFilesystem": true }
                """);
        }
        return root;
    }

    public void Dispose()
    {
        if (Directory.Exists(_scratch))
            Directory.Delete(_scratch, recursive: true);
    }
}
