using System.Text.Json.Nodes;
using Pipeline.Build.Aws;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Aws.History;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.IntegrationTests.Infrastructure;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.Aws;

/// <summary>
/// Following an ECS service deployment at the HTTP level: moto has no service-deployments API, so the proxy in front of it
/// plays the answers ECS gives during a canary, a rollback by alarm during the bake and a rollback by request; against
/// moto itself the rollout falls back to waiting for steady state.
/// </summary>
public sealed class ServiceDeploymentFollowingTests(MotoServer moto) : MotoTests(moto)
{
    readonly string cluster = "apigw-test-" + Guid.NewGuid().ToString("N")[..8];
    const string DeploymentArn = "arn:aws:ecs:us-east-1:123456789012:service-deployment/apigw-dev/web/r9i43YFjvgF";
    const string RollbackCommand = "./build.sh Rollback --profile dev --service fastapi";
    static readonly RolloutStrategy Canary = RolloutStrategy.Default;

    public override async Task InitializeAsync()
    {
        var ecs = new EcsClient(Connection, Http).Json;
        await ecs.CallAsync("CreateCluster", new JsonObject { ["clusterName"] = cluster }, default);
        await ecs.CallAsync("RegisterTaskDefinition", new JsonObject
        {
            ["family"] = "web",
            ["containerDefinitions"] = new JsonArray(new JsonObject { ["name"] = "web", ["image"] = "web:1", ["memory"] = 512 }),
        }, default);
        await ecs.CallAsync("CreateService", new JsonObject
        {
            ["cluster"] = cluster, ["serviceName"] = "web", ["taskDefinition"] = "web", ["desiredCount"] = 2, ["launchType"] = "EC2",
        }, default);
    }

    ServiceUpdater Updater(Uri endpoint) => new(new EcsClient(MotoServer.Connection(endpoint), Http), TimeSpan.FromMilliseconds(50));

    static RolloutFollowing Following(RolloutEndings endings) =>
        new(new Dictionary<string, FollowedService> { ["web"] = new("fastapi", Canary, RollbackCommand) }, DateTimeOffset.UtcNow, endings);

    /// <summary>One DescribeServiceDeployments entry, in ECS's JSON.</summary>
    static JsonObject Deployment(string status, string stage, double newShare, double previousShare, int newRunning = 2,
        string alarms = "MONITORING", string[]? triggered = null, string breaker = "MONITORING", string reason = "")
    {
        var deployment = new JsonObject
        {
            ["serviceDeploymentArn"] = DeploymentArn,
            ["serviceArn"] = "arn:aws:ecs:us-east-1:123456789012:service/apigw-dev/web",
            ["status"] = status,
            ["lifecycleStage"] = stage,
            ["createdAt"] = 1796000000.5,
            ["targetServiceRevision"] = new JsonObject
            {
                ["arn"] = "arn:aws:ecs:us-east-1:123456789012:service-revision/apigw-dev/web/new", ["requestedTaskCount"] = 2, ["runningTaskCount"] = newRunning,
                ["pendingTaskCount"] = 2 - newRunning, ["requestedProductionTrafficWeight"] = newShare, ["requestedTestTrafficWeight"] = 100.0,
            },
            ["sourceServiceRevisions"] = new JsonArray(new JsonObject
            {
                ["arn"] = "arn:aws:ecs:us-east-1:123456789012:service-revision/apigw-dev/web/previous", ["requestedTaskCount"] = 2, ["runningTaskCount"] = 2,
                ["pendingTaskCount"] = 0, ["requestedProductionTrafficWeight"] = previousShare, ["requestedTestTrafficWeight"] = 0.0,
            }),
            ["alarms"] = new JsonObject
            {
                ["status"] = alarms,
                ["alarmNames"] = new JsonArray("apigw-dev-fastapi-5xx", "apigw-dev-fastapi-p95"),
                ["triggeredAlarmNames"] = new JsonArray((triggered ?? []).Select(t => (JsonNode)t).ToArray()),
            },
            ["deploymentCircuitBreaker"] = new JsonObject { ["status"] = breaker, ["failureCount"] = 0, ["threshold"] = 3 },
            ["deploymentConfiguration"] = new JsonObject { ["strategy"] = "CANARY", ["bakeTimeInMinutes"] = 5 },
        };
        if (reason.Length > 0)
        {
            deployment["statusReason"] = reason;
            deployment["rollback"] = new JsonObject { ["reason"] = reason, ["serviceRevisionArn"] = "arn:previous", ["startedAt"] = 1796000300 };
        }
        return deployment;
    }

    /// <summary>ListServiceDeployments lists the one deployment; DescribeServiceDeployments plays <paramref name="answers"/> in order, then repeats the last.</summary>
    List<string> PlayDeployment(params JsonObject[] answers)
    {
        var listRequests = new List<string>();
        Proxy.When("ListServiceDeployments", call =>
        {
            lock (listRequests) listRequests.Add(call.RequestBody);
            return Json(new JsonObject
            {
                ["serviceDeployments"] = new JsonArray(new JsonObject
                {
                    ["serviceDeploymentArn"] = DeploymentArn, ["status"] = answers[0]["status"]!.GetValue<string>(), ["createdAt"] = 1796000000.5,
                    ["targetServiceRevisionArn"] = "arn:aws:ecs:us-east-1:123456789012:service-revision/apigw-dev/web/new",
                }),
            });
        });
        var next = 0;
        Proxy.When("DescribeServiceDeployments", _ =>
        {
            var answer = answers[Math.Min(Interlocked.Increment(ref next) - 1, answers.Length - 1)];
            return Json(new JsonObject { ["serviceDeployments"] = new JsonArray(answer.DeepClone()), ["failures"] = new JsonArray() });
        });
        return listRequests;
    }

    static Task<MotoProxyReply?> Json(JsonObject body) => Task.FromResult<MotoProxyReply?>(new(200, body.ToJsonString(), "application/x-amz-json-1.1"));

    [Fact]
    public async Task A_canary_is_followed_stage_by_stage_with_each_traffic_shift_until_it_completes()
    {
        var listRequests = PlayDeployment(
            Deployment("IN_PROGRESS", "SCALE_UP", 0, 100, newRunning: 0),
            Deployment("IN_PROGRESS", "SCALE_UP", 0, 100),
            Deployment("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 10, 90),
            Deployment("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 10, 90),
            Deployment("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 100, 0),
            Deployment("IN_PROGRESS", "BAKE_TIME", 100, 0),
            Deployment("IN_PROGRESS", "CLEAN_UP", 100, 0),
            Deployment("SUCCESSFUL", "CLEAN_UP", 100, 0));
        var endings = new RolloutEndings();
        var log = new RecordingStepLog();

        await Updater(Proxy.Endpoint).UpdateAsync(cluster, ["web"], forceNewDeployment: true, TimeSpan.FromSeconds(30), dryRun: false, log, default, Following(endings));

        log.Lines.Where(l => l.StartsWith("fastapi:", StringComparison.Ordinal)).Should().Equal(
            "fastapi: SCALE_UP: new version 0/2 task(s) running",
            "fastapi: SCALE_UP: new version 2/2 task(s) running",
            "fastapi: PRODUCTION_TRAFFIC_SHIFT: new 10 % / previous 90 %",
            "fastapi: PRODUCTION_TRAFFIC_SHIFT: new 100 % / previous 0 %",
            $"fastapi: BAKE_TIME: 5 min, previous version kept; {RollbackCommand} switches back",
            "fastapi: CLEAN_UP: the previous version's tasks are stopped",
            "fastapi: SUCCESSFUL: the new version serves all traffic (canary 10 % for 3 min, bake 5 min).");
        listRequests.Should().ContainSingle().Which.Should().Contain($"\"cluster\":\"{cluster}\"").And.Contain("\"service\":\"web\"").And.Contain("\"createdAt\":{\"after\":");
        Proxy.Actions.Count(a => a == "DescribeServices").Should().Be(1, "the service is looked up once; a followed deployment needs no steady-state wait");
        endings.Of("fastapi").Should().Be(new RolloutEnding("canary 10 % for 3 min, bake 5 min", "completed"));
    }

    [Fact]
    public async Task A_rollback_by_an_alarm_during_the_bake_fails_the_update_naming_the_alarm_and_is_recorded()
    {
        PlayDeployment(
            Deployment("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 100, 0),
            Deployment("IN_PROGRESS", "BAKE_TIME", 100, 0),
            Deployment("ROLLBACK_IN_PROGRESS", "BAKE_TIME", 0, 100, alarms: "TRIGGERED", triggered: ["apigw-dev-fastapi-5xx"],
                reason: "Alarm apigw-dev-fastapi-5xx is in ALARM state."),
            Deployment("ROLLBACK_SUCCESSFUL", "BAKE_TIME", 0, 100, alarms: "TRIGGERED", triggered: ["apigw-dev-fastapi-5xx"],
                reason: "Alarm apigw-dev-fastapi-5xx is in ALARM state."));
        var endings = new RolloutEndings();
        var log = new RecordingStepLog();

        var update = () => Updater(Proxy.Endpoint).UpdateAsync(cluster, ["web"], true, TimeSpan.FromSeconds(30), false, log, default, Following(endings));

        (await update.Should().ThrowAsync<PipelineException>()).Which.Message.Should()
            .StartWith("ECS deployment r9i43YFjvgF of fastapi was rolled back by alarm apigw-dev-fastapi-5xx during BAKE_TIME (Alarm apigw-dev-fastapi-5xx is in ALARM state).")
            .And.Contain("The previous version serves again").And.Contain("./build.sh Logs --service fastapi");
        log.Lines.Should().Contain("fastapi: ROLLBACK_IN_PROGRESS (by alarm apigw-dev-fastapi-5xx): the previous version takes the traffic back; new 0 % / previous 100 %.")
            .And.Contain("fastapi: ROLLBACK_SUCCESSFUL: the previous version serves again (by alarm apigw-dev-fastapi-5xx).");
        endings.Of("fastapi")!.Ending.Should().Be("rolled back by alarm apigw-dev-fastapi-5xx");
    }

    [Fact]
    public async Task A_deployment_switched_back_by_request_ends_the_following_run_as_rolled_back_by_request()
    {
        PlayDeployment(
            Deployment("IN_PROGRESS", "BAKE_TIME", 100, 0),
            Deployment("ROLLBACK_REQUESTED", "BAKE_TIME", 100, 0),
            Deployment("ROLLBACK_SUCCESSFUL", "BAKE_TIME", 0, 100));
        var endings = new RolloutEndings();

        var update = () => Updater(Proxy.Endpoint).UpdateAsync(cluster, ["web"], true, TimeSpan.FromSeconds(30), false, new RecordingStepLog(), default, Following(endings));

        (await update.Should().ThrowAsync<PipelineException>()).Which.Message.Should()
            .Contain("was rolled back by request during BAKE_TIME").And.Contain("Redeploy when the new version is ready");
        endings.Of("fastapi")!.Ending.Should().Be("rolled back by request");
    }

    [Fact]
    public async Task Where_ECS_cannot_list_deployments_the_rollout_waits_for_steady_state_and_says_so_once()
    {
        var endings = new RolloutEndings();
        var log = new RecordingStepLog();

        await Updater(Moto.Endpoint).UpdateAsync(cluster, ["web"], true, TimeSpan.FromSeconds(30), false, log, default, Following(endings));

        log.Lines.Should().ContainSingle(l => l.Contains("does not offer ListServiceDeployments"))
            .Which.Should().Contain("the deployment stages of web could not be followed; waiting for steady state instead");
        log.Text.Should().Contain("web: steady");
        endings.Of("fastapi").Should().Be(new RolloutEnding("canary 10 % for 3 min, bake 5 min", "completed"));
    }

    [Fact]
    public async Task Credentials_that_may_not_list_deployments_still_roll_the_service_and_are_told_what_to_allow()
    {
        Proxy.When("ListServiceDeployments", _ => Task.FromResult<MotoProxyReply?>(
            MotoFaultProxy.JsonError(400, "AccessDeniedException", "User is not authorized to perform: ecs:ListServiceDeployments")));
        var endings = new RolloutEndings();
        var log = new RecordingStepLog();

        await Updater(Proxy.Endpoint).UpdateAsync(cluster, ["web"], true, TimeSpan.FromSeconds(30), false, log, default, Following(endings));

        log.Lines.Should().ContainSingle(l => l.StartsWith("warning: these credentials may not call ecs:ListServiceDeployments", StringComparison.Ordinal))
            .Which.Should().Contain("Allow ecs:ListServiceDeployments and ecs:DescribeServiceDeployments");
        log.Text.Should().Contain("web: steady");
        endings.Of("fastapi")!.Ending.Should().Be("completed");
    }

    [Fact]
    public async Task Only_a_deployment_that_shifts_traffic_or_bakes_is_one_a_rollback_can_switch_back()
    {
        var scaling = Deployment("IN_PROGRESS", "SCALE_UP", 0, 100);
        scaling["serviceDeploymentArn"] = DeploymentArn + "-scaling";
        string? listed = null;
        Proxy.When("ListServiceDeployments", call =>
        {
            listed = call.RequestBody;
            return Json(new JsonObject
            {
                ["serviceDeployments"] = new JsonArray(
                    new JsonObject { ["serviceDeploymentArn"] = DeploymentArn, ["status"] = "IN_PROGRESS" },
                    new JsonObject { ["serviceDeploymentArn"] = DeploymentArn + "-scaling", ["status"] = "IN_PROGRESS" }),
            });
        });
        Proxy.When("DescribeServiceDeployments", _ => Json(new JsonObject
        {
            ["serviceDeployments"] = new JsonArray(Deployment("IN_PROGRESS", "BAKE_TIME", 100, 0), scaling),
        }));

        var found = await new ServiceDeploymentFollower(new EcsClient(MotoServer.Connection(Proxy.Endpoint), Http)).UnderWayWithThePreviousVersionAsync(cluster, "web", default);

        found.Select(d => d.Arn).Should().Equal(DeploymentArn);
        listed.Should().Contain("\"status\":[\"IN_PROGRESS\"]");
    }

    [Fact]
    public async Task A_rollback_during_the_bake_stops_the_deployment_and_follows_it_until_the_previous_version_serves_with_no_new_deployment()
    {
        var catalog = ServiceCatalog.Load(ServiceCatalog.FindServicesDirectory());
        var fastapi = catalog.Services.Single(s => s.Name == "fastapi");
        var root = Directory.CreateTempSubdirectory("pipeline-switch-back-").FullName;
        using var aws = new AwsContext(new DeploySettings
        {
            RootDirectory = root, ArtifactsDirectory = Path.Combine(root, "artifacts"), Catalog = catalog, Environment = "dev", DryRun = false, Profile = "dev",
        }, MotoServer.Connection(Proxy.Endpoint));
        string? stopRequest = null;
        Proxy.When("StopServiceDeployment", call =>
        {
            stopRequest = call.RequestBody;
            return Json(new JsonObject { ["serviceDeploymentArn"] = DeploymentArn });
        });
        // What the lookup before the lock found: the deployment baking.
        PlayDeployment(Deployment("IN_PROGRESS", "BAKE_TIME", 100, 0));
        var underWay = new DeploymentUnderWay(fastapi, (await new EcsClient(MotoServer.Connection(Proxy.Endpoint), Http).DescribeServiceDeploymentsAsync([DeploymentArn], default))[0]);
        PlayDeployment(Deployment("ROLLBACK_IN_PROGRESS", "BAKE_TIME", 0, 100), Deployment("ROLLBACK_SUCCESSFUL", "BAKE_TIME", 0, 100));
        var log = new RecordingStepLog();

        await new ServiceRollback(aws, new StackPlanner(aws)) { PollInterval = TimeSpan.FromMilliseconds(50) }
            .RunAsync([fastapi], to: null, [underWay], log, default);

        stopRequest.Should().Be($"{{\"serviceDeploymentArn\":\"{DeploymentArn}\",\"stopType\":\"ROLLBACK\"}}");
        log.Lines.Should().ContainInOrder(
            "fastapi: deployment r9i43YFjvgF is in BAKE_TIME with the previous version still running beside it: the rollback switches the traffic back to it, with no new deployment.",
            "fastapi: ECS rolls deployment r9i43YFjvgF back (StopServiceDeployment, ROLLBACK).",
            "fastapi: ROLLBACK_IN_PROGRESS (by request): the previous version takes the traffic back; new 0 % / previous 100 %.",
            "fastapi: ROLLBACK_SUCCESSFUL: the previous version serves again (by request).");
        log.Lines.Last().Should().StartWith("Switched fastapi back: the previous revision serves again, with no new deployment.");
        Proxy.Actions.Should().NotContain(["UpdateService", "CreateChangeSet", "ExecuteChangeSet"], "a switch back changes no service and no stack");
    }
}
