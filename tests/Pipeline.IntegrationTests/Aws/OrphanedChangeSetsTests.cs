using Pipeline.Build.Aws;
using Pipeline.Build.Aws.Clients;
using Pipeline.IntegrationTests.Infrastructure;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.Aws;

/// <summary>
/// What a run killed between CreateChangeSet and ExecuteChangeSet leaves, removed by the next run (moto over HTTP): the
/// pipeline's unexecuted change sets on this environment's stacks, and the empty stack a CREATE change set made; nothing else.
/// </summary>
public sealed class OrphanedChangeSetsTests(MotoServer moto) : MotoTests(moto)
{
    readonly string environment = "o" + Guid.NewGuid().ToString("N")[..8];

    CloudFormationClient CloudFormation => new(Connection, Http);

    async Task<string> MakeChangeSetAsync(string stack, string name, bool createsStack)
    {
        await CloudFormation.CreateChangeSetAsync(new ChangeSetRequest(stack, name, createsStack, StackTemplates.Parameter(), null,
            new Dictionary<string, string> { ["Value"] = name }, new Dictionary<string, string>()), default);
        return name;
    }

    async Task DeployAsync(string stack) =>
        await new StackDeployer(CloudFormation).DeployAsync(new StackDeployRequest(stack, StackTemplates.Write(StackTemplates.Parameter()),
            new Dictionary<string, string> { ["Value"] = "deployed" }, new Dictionary<string, string>()), false, new RecordingStepLog(), default);

    [Fact]
    public async Task The_pipelines_unexecuted_change_sets_and_the_empty_stack_go_and_everything_else_stays()
    {
        var shared = DeploymentNames.SharedStack(environment);
        var service = DeploymentNames.ServiceStack(environment, "fastapi");
        var otherEnvironment = DeploymentNames.ServiceStack(environment + "x", "fastapi");
        await DeployAsync(shared);
        await DeployAsync(otherEnvironment);
        var orphan = await MakeChangeSetAsync(shared, ChangeSetNames.New(dryRun: false), createsStack: false);
        var someoneElses = await MakeChangeSetAsync(shared, "reviewed-by-hand", createsStack: false);
        var freshPreview = await MakeChangeSetAsync(shared, ChangeSetNames.New(dryRun: true), createsStack: false);
        var creating = await MakeChangeSetAsync(service, ChangeSetNames.New(dryRun: false), createsStack: true);
        var otherEnvironments = await MakeChangeSetAsync(otherEnvironment, ChangeSetNames.New(dryRun: false), createsStack: false);
        var log = new RecordingStepLog();

        var removed = await new OrphanedChangeSets(CloudFormation, environment).RemoveAsync(log, default);

        removed.Should().Be(3, "two change sets and one empty stack");
        // moto keeps executed change sets listed (AWS drops them); only the unexecuted ones matter here.
        (await CloudFormation.ListChangeSetsAsync(shared, default)).Where(c => c.ExecutionStatus == "AVAILABLE").Select(c => c.Name)
            .Should().BeEquivalentTo([someoneElses, freshPreview]);
        var serviceStack = await CloudFormation.DescribeStackAsync(service, default);
        (serviceStack is null || serviceStack.Status == "DELETE_COMPLETE").Should().BeTrue("the stack only its unexecuted CREATE change set made goes with it");
        (await CloudFormation.ListChangeSetsAsync(otherEnvironment, default)).Select(c => c.Name).Should().Contain(otherEnvironments);
        log.Lines.Should().Contain(l => l.Contains($"stack {shared}: removed change set {orphan} (AVAILABLE)"))
            .And.Contain(l => l.Contains($"stack {service}: removed the empty stack (REVIEW_IN_PROGRESS)") && !l.Contains(creating));

        (await new OrphanedChangeSets(CloudFormation, environment).RemoveAsync(log, default)).Should().Be(0, "a second look finds nothing");
    }
}
