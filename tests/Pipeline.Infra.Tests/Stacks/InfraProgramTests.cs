using System.Diagnostics;
using Pipeline.Manifests;

namespace Pipeline.Infra.Tests.Stacks;

/// <summary>The CDK app's command line, run as the pipeline runs it: <c>dotnet Pipeline.Infra.dll ...</c>.</summary>
public sealed class InfraProgramTests : IDisposable
{
    readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("pipeline-infra-program-");

    string Out => Path.Combine(_scratch.FullName, "out");

    [ToolFact("node")]
    public void A_stack_over_the_resource_limit_fails_with_one_error_line_and_exit_code_2()
    {
        Requirements.RequireTools("node");
        // The CDK reads its context from CDK_CONTEXT_JSON too: a limit of 10 makes every stack too big.
        var run = Run(["--out", Out, "--services-dir", ServiceCatalog.FindServicesDirectory()],
            ("CDK_CONTEXT_JSON", """{"@aws-cdk/core:stackResourceLimit": 10}"""));

        run.ExitCode.Should().Be(2, run.All);
        run.Errors.Should().ContainSingle(l => l.StartsWith("error: ", StringComparison.Ordinal)).Which
            .Should().Contain("Number of resources in stack").And.Contain("greater than allowed maximum of 10");
        run.All.Should().NotContain("   at ", "no .NET or JavaScript stack trace").And.NotContain("Unhandled exception");
    }

    [ToolFact("node")]
    public void A_bad_manifest_fails_with_one_error_line_and_exit_code_2()
    {
        Requirements.RequireTools("node");
        var services = Path.Combine(_scratch.FullName, "services");
        foreach (var (name, port, uses) in new[] { ("ping", 8001, "pong"), ("pong", 8002, "ping") })
        {
            Directory.CreateDirectory(Path.Combine(services, name));
            File.WriteAllText(Path.Combine(services, name, ServiceCatalog.ManifestFileName),
                $$"""{ "name": "{{name}}", "port": {{port}}, "routePrefix": "/api/{{name}}", "uses": ["{{uses}}"] }""");
        }

        var run = Run(["--out", Out, "--services-dir", services]);

        run.ExitCode.Should().Be(2, run.All);
        run.Errors.Should().Contain(l => l.StartsWith("error: Invalid service manifests:", StringComparison.Ordinal));
        run.All.Should().Contain("cycle: ping → pong → ping").And.NotContain("   at ");
    }

    [ToolFact("node")]
    public void Stack_services_writes_only_the_service_stacks_and_notes_missing_images()
    {
        Requirements.RequireTools("node");
        var catalog = ServiceCatalog.Load(ServiceCatalog.FindServicesDirectory());

        var run = Run(["--out", Out, "--stack", "services", "--image", "fastapi=abc123", "--services-dir", ServiceCatalog.FindServicesDirectory()]);

        run.ExitCode.Should().Be(0, run.All);
        Templates().Should().BeEquivalentTo(catalog.Names.Select(n => DeploymentNames.ServiceStack("dev", n)));
        foreach (var missing in catalog.Names.Where(n => n != "fastapi"))
            run.Errors.Should().Contain(l => l.StartsWith($"note: no --image {missing}=<tag>", StringComparison.Ordinal));
        run.Errors.Should().NotContain(l => l.StartsWith("note: no --image fastapi", StringComparison.Ordinal))
            .And.NotContain(l => l.StartsWith("warning:", StringComparison.Ordinal), "a missing image is a note, not a warning");
    }

    [ToolFact("node")]
    public void Stack_app_still_means_the_shared_stack_and_every_service_stack()
    {
        Requirements.RequireTools("node");
        var catalog = ServiceCatalog.Load(ServiceCatalog.FindServicesDirectory());

        var run = Run(["--out", Out, "--stack", "app", "--environment", "staging", "--services-dir", ServiceCatalog.FindServicesDirectory()]);

        run.ExitCode.Should().Be(0, run.All);
        Templates().Should().BeEquivalentTo(catalog.Names.Select(n => DeploymentNames.ServiceStack("staging", n)).Append(DeploymentNames.SharedStack("staging")));
        run.Output.Should().Contain(l => l.StartsWith("Synthesized ", StringComparison.Ordinal) && l.Contains("apigw-staging-shared"));
    }

    [ToolFact("node")]
    public void Stack_shared_writes_only_the_shared_stack_and_needs_no_image()
    {
        Requirements.RequireTools("node");

        var run = Run(["--out", Out, "--stack", "shared", "--services-dir", ServiceCatalog.FindServicesDirectory()]);

        run.ExitCode.Should().Be(0, run.All);
        Templates().Should().Equal(DeploymentNames.SharedStack("dev"));
        run.Errors.Should().NotContain(l => l.StartsWith("note:", StringComparison.Ordinal));
    }

    [ToolFact("node")]
    public void A_synth_prints_no_node_version_banner_even_when_its_caller_set_nothing()
    {
        Requirements.RequireTools("node");

        // The pipeline passes JsiiEnvironment.Variables; a caller that does not (cdk synth, a test) gets them from the app itself.
        var run = Run(["--out", Out, "--stack", "registry", "--services-dir", ServiceCatalog.FindServicesDirectory()],
            (JsiiEnvironment.SilenceDeprecatedNode, null), (JsiiEnvironment.SilenceEndOfLifeNode, null));

        run.ExitCode.Should().Be(0, run.Raw);
        run.Raw.Should().NotContain("!!").And.NotContain("end-of-life").And.NotContain("node version");
    }

    [ToolFact("node")]
    public void An_unknown_strategy_or_a_strategy_for_no_service_fails_with_one_error_line_that_names_the_choices()
    {
        Requirements.RequireTools("node");

        var unknown = Run(["--out", Out, "--strategy", "fastapi=big-bang", "--services-dir", ServiceCatalog.FindServicesDirectory()]);
        var nobody = Run(["--out", Out, "--strategy", "orders=canary", "--services-dir", ServiceCatalog.FindServicesDirectory()]);

        unknown.ExitCode.Should().Be(2, unknown.All);
        unknown.Errors.Should().ContainSingle(l => l.StartsWith("error: ", StringComparison.Ordinal)).Which
            .Should().Contain("big-bang").And.Contain("rolling, blue-green, canary, linear");
        nobody.ExitCode.Should().Be(2, nobody.All);
        nobody.Errors.Should().ContainSingle(l => l.StartsWith("error: ", StringComparison.Ordinal)).Which
            .Should().Contain("'orders', which is not a service").And.Contain("fastapi");
    }

    IEnumerable<string> Templates() =>
        Directory.GetFiles(Out, "*.template.json").Select(f => Path.GetFileName(f)[..^".template.json".Length]);

    sealed record AppRun(int ExitCode, IReadOnlyList<string> Output, IReadOnlyList<string> Errors, string Raw)
    {
        public string All => string.Join("\n", Output.Concat(Errors));
    }

    /// <param name="environment">Variables to set; a null value removes the variable this test process would pass on.</param>
    static AppRun Run(IReadOnlyList<string> args, params (string Name, string? Value)[] environment)
    {
        var host = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Pipeline.Infra.dll"));
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        start.Environment.Remove("CDK_OUTDIR");
        start.Environment.Remove("CDK_CONTEXT_JSON");
        foreach (var (name, value) in environment)
            if (value is null)
                start.Environment.Remove(name);
            else
                start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit(TimeSpan.FromMinutes(3)).Should().BeTrue("the CDK app should finish in minutes");
        // jsii's node-version banner ("!!" lines) is silenced for the node these machines run (JsiiEnvironment); another
        // node may still print one, which is not the app's output.
        static List<string> Lines(string text) => text.ReplaceLineEndings("\n").Split('\n')
            .Where(l => l.Length > 0 && !l.StartsWith("!!", StringComparison.Ordinal)).ToList();
        return new AppRun(process.ExitCode, Lines(stdout.Result), Lines(stderr.Result), stdout.Result + stderr.Result);
    }

    public void Dispose() => _scratch.Delete(recursive: true);
}
