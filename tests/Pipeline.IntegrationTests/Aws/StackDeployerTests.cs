using Pipeline.Build.Aws;
using Pipeline.Build.Aws.Clients;
using Pipeline.IntegrationTests.Infrastructure;

namespace Pipeline.IntegrationTests.Aws;

public sealed class StackDeployerTests(MotoServer moto) : MotoTests(moto)
{
    readonly StackDeployerOptions fast = new() { PollInterval = TimeSpan.FromMilliseconds(100), BusyWait = TimeSpan.FromSeconds(20), OperationWait = TimeSpan.FromSeconds(30) };

    CloudFormationClient CloudFormation(Uri? endpoint = null) => new(MotoServer.Connection(endpoint ?? Moto.Endpoint), Http);

    static StackDeployRequest Request(string stack, string template, string value = "one") =>
        new(stack, StackTemplates.Write(template), new Dictionary<string, string> { ["Value"] = value }, new Dictionary<string, string> { ["project"] = "apigw" });

    [Fact]
    public async Task New_stack_is_created_showing_its_changes_and_events()
    {
        var stack = StackTemplates.UniqueStackName("create");
        var log = new RecordingStepLog();

        var outcome = await new StackDeployer(CloudFormation(), options: fast).DeployAsync(Request(stack, StackTemplates.Parameter()), false, log, default);

        outcome.Kind.Should().Be(StackDeployKind.Created);
        log.Text.Should().Contain("1 to add, 0 to modify (0 replaced), 0 to remove").And.Contain("+ Add    Setting (AWS::SSM::Parameter)");
        log.Text.Should().Contain("CREATE_COMPLETE", "stack events stream while the change set runs");
    }

    [Fact]
    public async Task The_stack_is_made_by_the_execution_role_the_deployer_passes()
    {
        var stack = StackTemplates.UniqueStackName("execrole");
        const string role = "arn:aws:iam::123456789012:role/pipeline-apigw-dev-cfn-exec";

        await new StackDeployer(CloudFormation(), options: fast with { ExecutionRoleArn = role })
            .DeployAsync(Request(stack, StackTemplates.Parameter()), false, new RecordingStepLog(), default);

        (await CloudFormation().DescribeStackAsync(stack, default))!.RoleArn.Should().Be(role, "CloudFormation acts as the execution role (RoleARN), not as the caller");
    }

    [Fact]
    public async Task Unchanged_template_deploys_nothing_and_says_so()
    {
        var stack = StackTemplates.UniqueStackName("nochange");
        var deployer = new StackDeployer(CloudFormation(), options: fast);
        await deployer.DeployAsync(Request(stack, StackTemplates.Parameter()), false, new RecordingStepLog(), default);
        var log = new RecordingStepLog();

        var outcome = await deployer.DeployAsync(Request(stack, StackTemplates.Parameter()), false, log, default);

        outcome.Kind.Should().Be(StackDeployKind.NoChanges);
        log.Text.Should().Contain("no changes");
    }

    [Fact]
    public async Task Changed_resource_is_shown_as_a_modification_before_it_runs()
    {
        var stack = StackTemplates.UniqueStackName("modify");
        var deployer = new StackDeployer(CloudFormation(), options: fast);
        await deployer.DeployAsync(Request(stack, StackTemplates.Parameter()), false, new RecordingStepLog(), default);
        var log = new RecordingStepLog();

        var outcome = await deployer.DeployAsync(Request(stack, StackTemplates.Parameter(description: "second")), false, log, default);

        outcome.Kind.Should().Be(StackDeployKind.Updated);
        log.Lines.Should().Contain(l => l.Contains("~ Modify") && l.Contains("Setting"));
        var changeLine = log.Lines.ToList().FindIndex(l => l.Contains("~ Modify"));
        var completeLine = log.Lines.ToList().FindIndex(l => l.Contains("UPDATE_COMPLETE"));
        changeLine.Should().BeLessThan(completeLine, "the change set is shown before it is executed");
    }

    [Fact]
    public async Task Dry_run_shows_the_change_set_then_deletes_it_and_leaves_no_stack()
    {
        var stack = StackTemplates.UniqueStackName("dryrun");
        var cloudFormation = CloudFormation();
        var log = new RecordingStepLog();

        var outcome = await new StackDeployer(cloudFormation, options: fast).DeployAsync(Request(stack, StackTemplates.Parameter()), true, log, default);

        outcome.Kind.Should().Be(StackDeployKind.DryRun);
        log.Text.Should().Contain("+ Add    Setting").And.Contain("dry run");
        var left = await cloudFormation.DescribeStackAsync(stack, default);
        (left is null || left.Status == "DELETE_COMPLETE").Should().BeTrue($"a dry run leaves no stack behind, found {left?.Status}");
    }

    [Fact]
    public async Task Template_over_the_inline_limit_is_uploaded_to_the_pipeline_bucket()
    {
        var stack = StackTemplates.UniqueStackName("large");
        var store = await TemplateStore.ForAccountAsync(Connection, default);
        var log = new RecordingStepLog();
        var template = StackTemplates.Parameter(padding: 60_000);

        var outcome = await new StackDeployer(CloudFormation(), store, fast).DeployAsync(Request(stack, template), false, log, default);

        outcome.Kind.Should().Be(StackDeployKind.Created);
        store.BucketName.Should().Be("apigw-templates-123456789012-us-east-1");
        log.Text.Should().Contain($"s3://{store.BucketName}/{stack}/");
    }

    [Fact]
    public async Task Template_over_the_inline_limit_without_a_bucket_fails_with_the_fix()
    {
        var stack = StackTemplates.UniqueStackName("large");

        var deploy = () => new StackDeployer(CloudFormation(), options: fast)
            .DeployAsync(Request(stack, StackTemplates.Parameter(padding: 60_000)), false, new RecordingStepLog(), default);

        (await deploy.Should().ThrowAsync<Pipeline.Build.Engine.PipelineException>())
            .Which.Message.Should().Contain(stack).And.Contain("51,200").And.Contain("template store");
    }
}
