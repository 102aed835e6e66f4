using Pipeline.Build.Aws;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Engine;
using Pipeline.IntegrationTests.Infrastructure;

namespace Pipeline.IntegrationTests.Aws;

/// <summary>Stack states moto cannot reach by itself, produced by rewriting its answers in a proxy.</summary>
public sealed class StackDeployerFaultTests(MotoServer moto) : MotoTests(moto)
{
    readonly StackDeployerOptions fast = new() { PollInterval = TimeSpan.FromMilliseconds(100), BusyWait = TimeSpan.FromSeconds(20), OperationWait = TimeSpan.FromSeconds(30) };

    StackDeployer Deployer(StackDeployerOptions? options = null) =>
        new(new CloudFormationClient(MotoServer.Connection(Proxy.Endpoint), Http), options: options ?? fast);

    static StackDeployRequest Request(string stack) =>
        new(stack, StackTemplates.Write(StackTemplates.Parameter()), new Dictionary<string, string> { ["Value"] = "one" }, new Dictionary<string, string>());

    async Task CreateOnMoto(string stack) =>
        await new StackDeployer(new CloudFormationClient(Connection, Http), options: fast)
            .DeployAsync(Request(stack), false, new RecordingStepLog(), default);

    /// <summary>Answers DescribeStacks with moto's answer but the stack status replaced, for the next <paramref name="times"/> calls.</summary>
    void ReportStatus(string status, int times)
    {
        var remaining = times;
        Proxy.When("DescribeStacks", async call =>
        {
            if (Interlocked.Decrement(ref remaining) < 0)
                return null;
            var real = await call.ForwardAsync();
            return real with { Body = System.Text.RegularExpressions.Regex.Replace(real.Body, "<StackStatus>[A-Z_]+</StackStatus>", $"<StackStatus>{status}</StackStatus>") };
        });
    }

    /// <summary>
    /// The next update of <paramref name="stack"/> ends in UPDATE_ROLLBACK_COMPLETE with the failure event
    /// <paramref name="failure"/> made; <paramref name="alwaysThere"/> is in the event log before and after.
    /// </summary>
    void RollBackTheNextUpdate(string stack, Func<string> failure, string alwaysThere = "")
    {
        var executed = false;
        Proxy.When("ExecuteChangeSet", call => { executed = true; return Task.FromResult<MotoProxyReply?>(null); });
        Proxy.When("DescribeStacks", async call =>
        {
            var real = await call.ForwardAsync();
            return executed ? real with { Body = System.Text.RegularExpressions.Regex.Replace(real.Body, "<StackStatus>[A-Z_]+</StackStatus>", "<StackStatus>UPDATE_ROLLBACK_COMPLETE</StackStatus>") } : null;
        });
        Proxy.When("DescribeStackEvents", async call =>
        {
            var real = await call.ForwardAsync();
            return real with { Body = real.Body.Replace("<StackEvents>", "<StackEvents>" + (executed ? failure() : "") + alwaysThere) };
        });
    }

    static string FailedEvent(string stack, string eventId, string logicalId, string type, DateTime at, string reason) =>
        $"<member><EventId>{eventId}</EventId><StackName>{stack}</StackName><LogicalResourceId>{logicalId}</LogicalResourceId>" +
        $"<ResourceType>{type}</ResourceType><Timestamp>{at:O}</Timestamp><ResourceStatus>UPDATE_FAILED</ResourceStatus>" +
        $"<ResourceStatusReason>{reason}</ResourceStatusReason></member>";

    [Fact]
    public async Task Stack_left_in_ROLLBACK_COMPLETE_by_a_failed_create_is_deleted_and_created_again()
    {
        var stack = StackTemplates.UniqueStackName("rollback");
        await CreateOnMoto(stack);
        ReportStatus("ROLLBACK_COMPLETE", times: 1);
        var log = new RecordingStepLog();

        var outcome = await Deployer().DeployAsync(Request(stack), false, log, default);

        outcome.Kind.Should().Be(StackDeployKind.Created);
        log.Text.Should().Contain("ROLLBACK_COMPLETE").And.Contain("Deleting it and creating it again").And.Contain("deleted");
        Proxy.Actions.Should().ContainInOrder("DeleteStack", "CreateChangeSet", "ExecuteChangeSet");
    }

    [Fact]
    public async Task Throttled_calls_are_retried_until_they_pass()
    {
        var stack = StackTemplates.UniqueStackName("throttle");
        Proxy.Fail("DescribeStacks", times: 2, MotoFaultProxy.QueryError(400, "Throttling", "Rate exceeded"));
        Proxy.Fail("CreateChangeSet", times: 1, MotoFaultProxy.QueryError(503, "ServiceUnavailable", "Please try again"));

        var outcome = await Deployer().DeployAsync(Request(stack), false, new RecordingStepLog(), default);

        outcome.Kind.Should().Be(StackDeployKind.Created);
        Proxy.Actions.Take(3).Should().Equal("DescribeStacks", "DescribeStacks", "DescribeStacks");
        Proxy.Actions.Count(a => a == "CreateChangeSet").Should().Be(2);
    }

    [Fact]
    public async Task Throttling_that_never_ends_fails_with_the_service_error()
    {
        var stack = StackTemplates.UniqueStackName("throttled");
        Proxy.Fail("DescribeStacks", times: 100, MotoFaultProxy.QueryError(400, "Throttling", "Rate exceeded"));

        var deploy = () => Deployer().DeployAsync(Request(stack), false, new RecordingStepLog(), default);

        var error = (await deploy.Should().ThrowAsync<AwsServiceException>()).Which;
        error.Message.Should().Contain("cloudformation DescribeStacks").And.Contain("Throttling").And.Contain("Rate exceeded");
        Proxy.Actions.Count(a => a == "DescribeStacks").Should().Be(5, "one call and four retries");
    }

    [Fact]
    public async Task Busy_stack_is_waited_for_and_then_deployed()
    {
        var stack = StackTemplates.UniqueStackName("busy");
        await CreateOnMoto(stack);
        ReportStatus("UPDATE_IN_PROGRESS", times: 3);
        var log = new RecordingStepLog();

        var outcome = await Deployer().DeployAsync(Request(stack) with { TemplatePath = StackTemplates.Write(StackTemplates.Parameter(description: "second")) }, false, log, default);

        outcome.Kind.Should().Be(StackDeployKind.Updated);
        log.Text.Should().Contain("is busy (UPDATE_IN_PROGRESS); waiting up to 20 s");
    }

    [Fact]
    public async Task Stack_that_stays_busy_fails_clearly_after_the_bound()
    {
        var stack = StackTemplates.UniqueStackName("stuck");
        await CreateOnMoto(stack);
        ReportStatus("UPDATE_ROLLBACK_IN_PROGRESS", times: 1000);

        var deploy = () => Deployer(fast with { BusyWait = TimeSpan.FromSeconds(1) }).DeployAsync(Request(stack), false, new RecordingStepLog(), default);

        (await deploy.Should().ThrowAsync<PipelineException>())
            .Which.Message.Should().Contain(stack).And.Contain("is still busy (UPDATE_ROLLBACK_IN_PROGRESS) after 1 s").And.Contain("run the deploy again");
        Proxy.Actions.Should().NotContain("CreateChangeSet");
    }

    [Fact]
    public async Task UPDATE_ROLLBACK_FAILED_is_explained_with_the_way_out()
    {
        var stack = StackTemplates.UniqueStackName("rbfailed");
        await CreateOnMoto(stack);
        ReportStatus("UPDATE_ROLLBACK_FAILED", times: 1000);

        var deploy = () => Deployer().DeployAsync(Request(stack), false, new RecordingStepLog(), default);

        (await deploy.Should().ThrowAsync<PipelineException>())
            .Which.Message.Should().Contain($"Stack {stack} is in UPDATE_ROLLBACK_FAILED")
            .And.Contain($"continue-update-rollback --stack-name {stack}").And.Contain("--resources-to-skip").And.Contain("delete-stack");
        Proxy.Actions.Should().NotContain("CreateChangeSet");
    }

    [Fact]
    public async Task Failed_update_that_rolled_back_names_the_failed_resource()
    {
        var stack = StackTemplates.UniqueStackName("failed");
        await CreateOnMoto(stack);
        RollBackTheNextUpdate(stack, () => FailedEvent(stack, "failed-1", "Setting", "AWS::SSM::Parameter", DateTime.UtcNow, "Parameter value too long"));

        var deploy = () => Deployer().DeployAsync(Request(stack) with { TemplatePath = StackTemplates.Write(StackTemplates.Parameter(description: "second")) }, false, new RecordingStepLog(), default);

        (await deploy.Should().ThrowAsync<PipelineException>())
            .Which.Message.Should().Contain("ended in UPDATE_ROLLBACK_COMPLETE").And.Contain("Setting (AWS::SSM::Parameter): Parameter value too long")
            .And.Contain("previous version is still deployed");
    }

    [Fact]
    public async Task A_failure_names_only_the_resources_of_this_deploy_never_an_earlier_one()
    {
        var stack = StackTemplates.UniqueStackName("earlier");
        await CreateOnMoto(stack);
        // An earlier deploy's failure, recent enough to be within the last hours, is in the event log all along.
        var earlier = FailedEvent(stack, "earlier-1", "OldListener", "AWS::ElasticLoadBalancingV2::Listener", DateTime.UtcNow.AddMinutes(-5), "an old failure");
        RollBackTheNextUpdate(stack, () => FailedEvent(stack, "now-1", "Setting", "AWS::SSM::Parameter", DateTime.UtcNow, "this deploy's failure"), alwaysThere: earlier);

        var deploy = () => Deployer().DeployAsync(Request(stack) with { TemplatePath = StackTemplates.Write(StackTemplates.Parameter(description: "second")) }, false, new RecordingStepLog(), default);

        (await deploy.Should().ThrowAsync<PipelineException>())
            .Which.Message.Should().Contain("Setting (AWS::SSM::Parameter): this deploy's failure").And.NotContain("OldListener").And.NotContain("an old failure");
    }

    [Fact]
    public async Task An_interrupt_while_the_change_set_is_being_made_deletes_it_and_the_empty_new_stack()
    {
        var stack = StackTemplates.UniqueStackName("interrupted");
        using var interrupt = new CancellationTokenSource();
        // CloudFormation is slow to make the change set; the user presses Ctrl-C meanwhile.
        Proxy.When("DescribeChangeSet", async call =>
        {
            var real = await call.ForwardAsync();
            interrupt.Cancel();
            return real with { Body = System.Text.RegularExpressions.Regex.Replace(real.Body, "<Status>[A-Z_]+</Status>", "<Status>CREATE_IN_PROGRESS</Status>") };
        });
        var log = new RecordingStepLog();

        var deploy = () => Deployer().DeployAsync(Request(stack), false, log, interrupt.Token);

        await deploy.Should().ThrowAsync<OperationCanceledException>();
        Proxy.Actions.Should().Contain("DeleteChangeSet").And.Contain("DeleteStack").And.NotContain("ExecuteChangeSet");
        log.Text.Should().Contain($"stack {stack}: interrupted before the change set ran; change set pipeline-").And.Contain("deleted, and the empty new stack with it");
        var left = await new CloudFormationClient(Connection, Http).DescribeStackAsync(stack, default);
        (left is null || left.Status == "DELETE_COMPLETE").Should().BeTrue("nothing of an interrupted run stays behind");
    }

    [Fact]
    public async Task An_interrupt_while_the_stack_updates_leaves_it_running_and_says_how_to_follow_or_cancel_it()
    {
        var stack = StackTemplates.UniqueStackName("inflight");
        await CreateOnMoto(stack);
        using var interrupt = new CancellationTokenSource();
        var armed = 0;
        var executed = false;
        Proxy.When("ExecuteChangeSet", call => { executed = true; return Task.FromResult<MotoProxyReply?>(null); });
        Proxy.When("DescribeStacks", async call =>
        {
            var real = await call.ForwardAsync();
            if (!executed) return null;
            // Armed once: CancelAfter again would push the interrupt back on every poll.
            if (Interlocked.Exchange(ref armed, 1) == 0)
                interrupt.CancelAfter(300);
            return real with { Body = System.Text.RegularExpressions.Regex.Replace(real.Body, "<StackStatus>[A-Z_]+</StackStatus>", "<StackStatus>UPDATE_IN_PROGRESS</StackStatus>") };
        });
        var log = new RecordingStepLog();

        var deploy = () => Deployer().DeployAsync(Request(stack) with { TemplatePath = StackTemplates.Write(StackTemplates.Parameter(description: "second")) }, false, log, interrupt.Token);

        await deploy.Should().ThrowAsync<OperationCanceledException>();
        log.Text.Should().Contain($"stack {stack}: interrupted while UPDATE_IN_PROGRESS; the update continues in CloudFormation and was not cancelled")
            .And.Contain($"aws cloudformation describe-stack-events --stack-name {stack}").And.Contain($"aws cloudformation cancel-update-stack --stack-name {stack}");
        Proxy.Actions.Should().NotContain("DeleteChangeSet", "the executed change set belongs to CloudFormation now");
    }

    [Fact]
    public async Task Outputs_of_the_deployed_stack_are_returned()
    {
        var stack = StackTemplates.UniqueStackName("outputs");
        // moto keeps outputs empty after a change set, so the proxy adds what CloudFormation would report.
        Proxy.When("DescribeStacks", async call =>
        {
            var real = await call.ForwardAsync();
            return real with { Body = real.Body.Replace("</StackStatus>", "</StackStatus><Outputs><member><OutputKey>ApiEndpoint</OutputKey><OutputValue>https://abc.execute-api.us-east-1.amazonaws.com</OutputValue></member></Outputs>") };
        });

        var outcome = await Deployer().DeployAsync(Request(stack), false, new RecordingStepLog(), default);

        outcome.Outputs.Should().Equal(new Dictionary<string, string> { ["ApiEndpoint"] = "https://abc.execute-api.us-east-1.amazonaws.com" });
    }
}
