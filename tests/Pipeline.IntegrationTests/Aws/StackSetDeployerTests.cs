using Pipeline.Build.Aws;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Engine;
using Pipeline.IntegrationTests.Infrastructure;

namespace Pipeline.IntegrationTests.Aws;

/// <summary>An environment's stacks against moto: dependency order, bounded concurrency, skipping what is deployed, partial failure.</summary>
public sealed class StackSetDeployerTests(MotoServer moto) : MotoTests(moto)
{
    readonly StackDeployerOptions fast = new() { PollInterval = TimeSpan.FromMilliseconds(100) };
    readonly string prefix = StackTemplates.UniqueStackName("set");

    CloudFormationClient CloudFormation => new(MotoServer.Connection(Proxy.Endpoint), Http);

    StackPlan Plan(string label, string value = "one", params string[] dependsOn) =>
        new($"{prefix}-{label}", label, StackTemplates.Write(StackTemplates.Parameter()),
            new Dictionary<string, string> { ["Value"] = value }, new Dictionary<string, string>(),
            dependsOn.Select(d => $"{prefix}-{d}").ToList());

    async Task<IReadOnlyList<StackRun>> DeployAsync(IReadOnlyList<StackPlan> plans, int maxParallel = 4, RecordingStepLog? log = null)
    {
        var deployed = await CloudFormation.DescribeAllStacksAsync(default);
        return await new StackSetDeployer(new StackDeployer(CloudFormation, options: fast), deployed, maxParallel)
            .DeployAsync(plans, dryRun: false, log ?? new RecordingStepLog(), default);
    }

    static StackRunState StateOf(IReadOnlyList<StackRun> runs, string label) => runs.Single(r => r.Plan.Label == label).State;

    [Fact]
    public async Task A_stack_deploys_after_the_stacks_it_depends_on_and_independent_ones_deploy_at_the_same_time()
    {
        var inFlight = 0;
        var mostAtOnce = 0;
        var executed = new List<string>();
        Proxy.When("ExecuteChangeSet", async call =>
        {
            var now = Interlocked.Increment(ref inFlight);
            lock (executed)
            {
                mostAtOnce = Math.Max(mostAtOnce, now);
                executed.Add(System.Web.HttpUtility.ParseQueryString(call.RequestBody)["StackName"]!);
            }
            // Long enough that two independent stacks overlap; the assertion is about overlap, not speed.
            await Task.Delay(400);
            var reply = await call.ForwardAsync();
            Interlocked.Decrement(ref inFlight);
            return reply;
        });
        var plans = new[] { Plan("shared"), Plan("a", dependsOn: "shared"), Plan("b", dependsOn: "shared"), Plan("c", dependsOn: "a") };

        var runs = await DeployAsync(plans, maxParallel: 2);

        runs.Select(r => r.State).Should().AllBeEquivalentTo(StackRunState.Created);
        executed.IndexOf($"{prefix}-shared").Should().Be(0);
        executed.IndexOf($"{prefix}-c").Should().BeGreaterThan(executed.IndexOf($"{prefix}-a"));
        mostAtOnce.Should().Be(2, "a and b depend only on shared and may deploy together, within --max-parallel 2");
    }

    [Fact]
    public async Task Stacks_whose_template_and_parameters_are_deployed_are_skipped_without_a_CloudFormation_call()
    {
        var plans = new[] { Plan("shared"), Plan("a", dependsOn: "shared"), Plan("b", dependsOn: "shared") };
        await DeployAsync(plans);
        var callsBefore = Proxy.Actions.Count;
        var listings = new List<string>();
        Proxy.When("DescribeStacks", async call =>
        {
            lock (listings)
                listings.Add(call.RequestBody);
            return await call.ForwardAsync();
        });

        var again = await DeployAsync(plans);
        var callsOfSecondDeploy = Proxy.Actions.Skip(callsBefore).ToList();

        again.Select(r => r.State).Should().AllBeEquivalentTo(StackRunState.Unchanged);
        // One listing of all stacks: more than one page when the emulator holds the stacks of other tests too.
        callsOfSecondDeploy.Should().NotBeEmpty().And.AllBe("DescribeStacks", "one listing of all stacks, and no call about any single stack");
        listings.Should().AllSatisfy(body => System.Web.HttpUtility.ParseQueryString(body)["StackName"].Should().BeNull("a listing names no stack"));
    }

    [Fact]
    public async Task A_parameter_change_in_one_stack_updates_that_stack_only()
    {
        await DeployAsync([Plan("shared"), Plan("a", dependsOn: "shared"), Plan("b", dependsOn: "shared")]);

        var runs = await DeployAsync([Plan("shared"), Plan("a", "two", "shared"), Plan("b", dependsOn: "shared")]);

        StateOf(runs, "a").Should().Be(StackRunState.Updated);
        StateOf(runs, "shared").Should().Be(StackRunState.Unchanged);
        StateOf(runs, "b").Should().Be(StackRunState.Unchanged);
        (await CloudFormation.DescribeStackAsync($"{prefix}-a", default))!.Parameters["Value"].Should().Be("two");
    }

    [Fact]
    public async Task A_failed_stack_fails_the_run_with_its_reason_and_its_dependents_are_left_untouched()
    {
        Proxy.When("CreateChangeSet", call => Task.FromResult(
            System.Web.HttpUtility.ParseQueryString(call.RequestBody)["StackName"] == $"{prefix}-b"
                ? MotoFaultProxy.QueryError(400, "ValidationError", "Template error: resource Listener references undefined Nope")
                : null));
        var plans = new[] { Plan("shared"), Plan("a", dependsOn: "shared"), Plan("b", dependsOn: "shared"), Plan("c", dependsOn: "b") };
        var log = new RecordingStepLog();

        var runs = await DeployAsync(plans, maxParallel: 1, log);
        var summarize = () => StackSetDeployer.Summarize(runs, log);

        StateOf(runs, "b").Should().Be(StackRunState.Failed);
        StateOf(runs, "c").Should().Be(StackRunState.NotStarted);
        runs.Single(r => r.Plan.Label == "c").Note.Should().Be("b did not deploy");
        runs.Where(r => r.Plan.Label != "b").Should().OnlyContain(r => r.State == StackRunState.Created || r.State == StackRunState.NotStarted);
        summarize.Should().Throw<PipelineException>().Which.Message.Should()
            .Contain("references undefined Nope").And.Contain("Not started, left as they were:").And.Contain("c");
        (await new CloudFormationClient(Connection, Http).DescribeStackAsync($"{prefix}-c", default)).Should().BeNull();
        log.Lines.Should().Contain(l => l.StartsWith($"{prefix}-b") && l.Contains("FAILED"));
    }
}
