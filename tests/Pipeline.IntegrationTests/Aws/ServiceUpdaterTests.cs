using System.Text.Json.Nodes;
using Pipeline.Build.Aws;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Engine;
using Pipeline.IntegrationTests.Infrastructure;

namespace Pipeline.IntegrationTests.Aws;

public sealed class ServiceUpdaterTests(MotoServer moto) : MotoTests(moto)
{
    readonly string cluster = "apigw-test-" + Guid.NewGuid().ToString("N")[..8];

    public override async Task InitializeAsync()
    {
        var ecs = new EcsClient(Connection, Http).Json;
        await ecs.CallAsync("CreateCluster", new JsonObject { ["clusterName"] = cluster }, default);
        await ecs.CallAsync("RegisterTaskDefinition", new JsonObject
        {
            ["family"] = "web",
            ["containerDefinitions"] = new JsonArray(new JsonObject { ["name"] = "web", ["image"] = "web:1", ["memory"] = 512 }),
        }, default);
        foreach (var (name, desired) in new[] { ("web", 2), ("slow", 3) })
            await ecs.CallAsync("CreateService", new JsonObject
            {
                ["cluster"] = cluster, ["serviceName"] = name, ["taskDefinition"] = "web", ["desiredCount"] = desired, ["launchType"] = "EC2",
            }, default);
    }

    ServiceUpdater Updater(Uri endpoint) => new(new EcsClient(MotoServer.Connection(endpoint), Http), TimeSpan.FromMilliseconds(100));

    [Fact]
    public async Task Forced_deployment_reaches_steady_state_and_reports_counts()
    {
        var log = new RecordingStepLog();

        await Updater(Moto.Endpoint).UpdateAsync(cluster, ["web"], forceNewDeployment: true, TimeSpan.FromSeconds(30), dryRun: false, log, default);

        log.Text.Should().Contain("web: new deployment ecs-svc/").And.Contain("web: 2 running, 0 pending, 2 desired, rollout COMPLETED").And.Contain("web: steady");
    }

    [Fact]
    public async Task Dry_run_touches_no_service()
    {
        var log = new RecordingStepLog();

        await Updater(Proxy.Endpoint).UpdateAsync(cluster, ["web"], true, TimeSpan.FromSeconds(30), dryRun: true, log, default);

        Proxy.Actions.Should().NotContain("UpdateService");
        log.Text.Should().Contain("would force a new deployment");
    }

    [Fact]
    public async Task Service_that_never_settles_fails_at_the_bound_with_its_last_progress()
    {
        var update = () => Updater(Moto.Endpoint).UpdateAsync(cluster, ["slow"], true, TimeSpan.FromSeconds(1), false, new RecordingStepLog(), default);

        (await update.Should().ThrowAsync<PipelineException>())
            .Which.Message.Should().Contain($"The rollout in ECS cluster {cluster} is still not steady (slow: 2 running, 1 pending, 3 desired").And.Contain("after 1 s");
    }

    [Fact]
    public async Task Unknown_service_is_named_with_the_fix()
    {
        var update = () => Updater(Moto.Endpoint).UpdateAsync(cluster, ["nope"], true, TimeSpan.FromSeconds(5), false, new RecordingStepLog(), default);

        (await update.Should().ThrowAsync<PipelineException>()).Which.Message.Should().Contain("nope").And.Contain("DeployInfra");
    }

    [Fact]
    public async Task Circuit_breaker_rollback_fails_the_update_with_the_stop_reasons()
    {
        FailTheRolloutOnceUpdated("tasks failed to start;");
        Proxy.When("ListTasks", _ => Task.FromResult<MotoProxyReply?>(new(200,
            $"{{\"taskArns\": [\"arn:aws:ecs:us-east-1:123456789012:task/{cluster}/abc123\"]}}", "application/x-amz-json-1.1")));
        Proxy.When("DescribeTasks", _ => Task.FromResult<MotoProxyReply?>(new(200,
            $"{{\"tasks\": [{{\"taskArn\": \"arn:aws:ecs:us-east-1:123456789012:task/{cluster}/abc123\", \"taskDefinitionArn\": \"arn:aws:ecs:us-east-1:123456789012:task-definition/web:2\", " +
            "\"lastStatus\": \"STOPPED\", \"stopCode\": \"EssentialContainerExited\", \"stoppedReason\": \"Essential container in task exited\", " +
            "\"containers\": [{\"name\": \"web\", \"exitCode\": 1, \"reason\": \"\"}]}]}", "application/x-amz-json-1.1")));

        var update = () => Updater(Proxy.Endpoint).UpdateAsync(cluster, ["web"], true, TimeSpan.FromSeconds(30), false, new RecordingStepLog(), default);

        (await update.Should().ThrowAsync<PipelineException>())
            .Which.Message.Should().Contain("ECS service web").And.Contain("circuit breaker rolled it back").And.Contain("tasks failed to start")
            .And.Contain("abc123 (web:2): EssentialContainerExited, Essential container in task exited, web: exit code 1")
            .And.Contain("previous version keeps serving");
    }

    void StoppedTaskReasons()
    {
        Proxy.When("ListTasks", _ => Task.FromResult<MotoProxyReply?>(new(200,
            $"{{\"taskArns\": [\"arn:aws:ecs:us-east-1:123456789012:task/{cluster}/abc123\"]}}", "application/x-amz-json-1.1")));
        Proxy.When("DescribeTasks", _ => Task.FromResult<MotoProxyReply?>(new(200,
            $"{{\"tasks\": [{{\"taskArn\": \"arn:aws:ecs:us-east-1:123456789012:task/{cluster}/abc123\", \"taskDefinitionArn\": \"arn:aws:ecs:us-east-1:123456789012:task-definition/web:2\", " +
            "\"lastStatus\": \"STOPPED\", \"stopCode\": \"TaskFailedToStart\", \"stoppedReason\": \"CannotPullContainerError\", " +
            "\"containers\": [{\"name\": \"web\", \"reason\": \"\"}]}]}", "application/x-amz-json-1.1")));
    }

    [Fact]
    public async Task Failed_tasks_while_ECS_still_rolls_out_are_warnings_and_a_completed_rollout_succeeds()
    {
        var updated = false;
        var looks = 0;
        Proxy.When("UpdateService", call => { updated = true; return Task.FromResult<MotoProxyReply?>(null); });
        Proxy.When("DescribeServices", async call =>
        {
            var real = await call.ForwardAsync();
            if (!updated) return null;
            var body = System.Text.RegularExpressions.Regex.Replace(real.Body, "\"failedTasks\": 0", "\"failedTasks\": 1");
            // The first looks: ECS is still rolling out after a task failed to start; then it completes.
            return real with { Body = Interlocked.Increment(ref looks) <= 3 ? body.Replace("\"rolloutState\": \"COMPLETED\"", "\"rolloutState\": \"IN_PROGRESS\"") : body };
        });
        StoppedTaskReasons();
        var log = new RecordingStepLog();

        await Updater(Proxy.Endpoint).UpdateAsync(cluster, ["web"], true, TimeSpan.FromSeconds(30), false, log, default);

        log.Lines.Should().ContainSingle(l => l.StartsWith("warning: web: 1 task(s) of the new deployment failed; ECS is still rolling out and retries"))
            .Which.Should().Contain("abc123 (web:2): TaskFailedToStart, CannotPullContainerError");
        log.Text.Should().Contain("web: steady");
    }

    [Fact]
    public async Task A_rollback_by_a_deployment_alarm_fails_the_update_and_names_the_alarm()
    {
        FailTheRolloutOnceUpdated("Rolling back because alarm apigw-dev-fastapi-5xx is in ALARM state.");
        StoppedTaskReasons();

        var update = () => Updater(Proxy.Endpoint).UpdateAsync(cluster, ["web"], true, TimeSpan.FromSeconds(30), false, new RecordingStepLog(), default);

        (await update.Should().ThrowAsync<PipelineException>())
            .Which.Message.Should().Contain("ECS service web").And.Contain("a deployment alarm rolled it back").And.Contain("apigw-dev-fastapi-5xx")
            .And.Contain("previous version keeps serving");
    }

    /// <summary>Once UpdateService has been called, DescribeServices reports the rollout FAILED, its reason starting with <paramref name="reason"/>.</summary>
    void FailTheRolloutOnceUpdated(string reason)
    {
        var updated = false;
        Proxy.When("UpdateService", call => { updated = true; return Task.FromResult<MotoProxyReply?>(null); });
        Proxy.When("DescribeServices", async call =>
        {
            var real = await call.ForwardAsync();
            var failed = real.Body
                .Replace("\"rolloutState\": \"COMPLETED\"", "\"rolloutState\": \"FAILED\"")
                .Replace("\"rolloutStateReason\": \"ECS deployment", $"\"rolloutStateReason\": \"{reason} ECS deployment");
            return updated ? real with { Body = failed } : null;
        });
    }
}
