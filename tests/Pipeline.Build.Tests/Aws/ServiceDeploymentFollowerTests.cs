using Pipeline.Build.Aws;
using Pipeline.Build.Aws.Clients;
using Pipeline.Manifests;

namespace Pipeline.Build.Tests.Aws;

/// <summary>What following an ECS service deployment shows, line by line, and how it judges the end.</summary>
public sealed class ServiceDeploymentFollowerTests
{
    static readonly FollowedService Fastapi = new("fastapi", RolloutStrategy.Default, "./build.sh Rollback --profile dev --service fastapi");

    internal static ServiceDeployment Deployment(string status, string stage, double? newShare = null, double? previousShare = null,
        int running = 2, int requested = 2, string reason = "", string alarmStatus = "MONITORING", string[]? triggered = null,
        string breakerStatus = "MONITORING", int? bakeMinutes = null) => new(
        "arn:aws:ecs:eu-west-1:123456789012:service-deployment/apigw-dev/fastapi/r9i43YFjvgF", "arn:aws:ecs:eu-west-1:123456789012:service/apigw-dev/fastapi",
        status, reason, stage,
        new ServiceRevisionSummary("arn:new", requested, running, 0, newShare, null),
        [new ServiceRevisionSummary("arn:previous", 2, 2, 0, previousShare, null)],
        reason.Length > 0 ? new ServiceDeploymentRollback(reason, "arn:previous", null) : null,
        new ServiceDeploymentAlarms(alarmStatus, ["apigw-dev-fastapi-5xx", "apigw-dev-fastapi-p95"], triggered ?? []),
        new ServiceDeploymentCircuitBreaker(breakerStatus, 0, 3),
        "CANARY", bakeMinutes, DateTimeOffset.UnixEpoch, null);

    [Fact]
    public void A_traffic_shift_shows_the_new_and_the_previous_versions_shares()
    {
        var lines = ServiceDeploymentFollower.Narrate(Fastapi, Deployment("IN_PROGRESS", "SCALE_UP"), Deployment("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 10, 90));

        lines.Should().Equal("fastapi: PRODUCTION_TRAFFIC_SHIFT: new 10 % / previous 90 %");
    }

    [Fact]
    public void The_bake_says_how_long_the_previous_version_is_kept_and_the_command_that_switches_back()
    {
        var lines = ServiceDeploymentFollower.Narrate(Fastapi, null, Deployment("IN_PROGRESS", "BAKE_TIME", 100, 0, bakeMinutes: 5));

        lines.Should().Equal("fastapi: BAKE_TIME: 5 min, previous version kept; ./build.sh Rollback --profile dev --service fastapi switches back");
    }

    [Fact]
    public void Without_a_bake_time_from_ECS_the_strategys_is_shown()
    {
        var service = Fastapi with { Strategy = RolloutStrategy.Default with { BakeTimeMinutes = 12 } };

        ServiceDeploymentFollower.Narrate(service, null, Deployment("IN_PROGRESS", "BAKE_TIME", 100, 0)).Single().Should().StartWith("fastapi: BAKE_TIME: 12 min,");
    }

    [Fact]
    public void An_observation_that_changes_nothing_a_user_sees_adds_no_line()
    {
        var shift = Deployment("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 10, 90);

        ServiceDeploymentFollower.Narrate(Fastapi, shift, shift with { }).Should().BeEmpty();
    }

    [Fact]
    public void The_next_step_of_a_linear_shift_is_a_line_of_its_own()
    {
        ServiceDeploymentFollower.Narrate(Fastapi, Deployment("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 25, 75), Deployment("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", 50, 50))
            .Should().Equal("fastapi: PRODUCTION_TRAFFIC_SHIFT: new 50 % / previous 50 %");
    }

    [Fact]
    public void Scaling_up_shows_the_new_versions_tasks_as_they_start()
    {
        ServiceDeploymentFollower.Narrate(Fastapi, Deployment("IN_PROGRESS", "SCALE_UP", running: 0), Deployment("IN_PROGRESS", "SCALE_UP", running: 1))
            .Should().Equal("fastapi: SCALE_UP: new version 1/2 task(s) running");
    }

    [Fact]
    public void A_rolling_deployment_without_traffic_weights_shows_its_stages()
    {
        ServiceDeploymentFollower.Narrate(Fastapi, null, Deployment("IN_PROGRESS", "RECONCILE_SERVICE")).Should().Equal("fastapi: RECONCILE_SERVICE");
    }

    [Fact]
    public void A_successful_deployment_is_completed_and_says_how_it_rolled()
    {
        var done = Deployment("SUCCESSFUL", "CLEAN_UP", 100, 0);

        ServiceDeploymentFollower.Narrate(Fastapi, Deployment("IN_PROGRESS", "CLEAN_UP", 100, 0), done)
            .Should().Equal("fastapi: SUCCESSFUL: the new version serves all traffic (canary 10 % for 3 min, bake 5 min).");
        var end = ServiceDeploymentFollower.Judge(done, "CLEAN_UP");
        end.Completed.Should().BeTrue();
        end.Describe().Should().Be("completed");
    }

    [Fact]
    public void A_rollback_by_an_alarm_names_the_alarm_the_stage_and_what_to_check()
    {
        var rolledBack = Deployment("ROLLBACK_SUCCESSFUL", "BAKE_TIME", 0, 100, reason: "Alarm apigw-dev-fastapi-5xx in ALARM state.",
            alarmStatus: "TRIGGERED", triggered: ["apigw-dev-fastapi-5xx"]);

        var end = ServiceDeploymentFollower.Judge(rolledBack, "BAKE_TIME");

        end.Completed.Should().BeFalse();
        end.Describe().Should().Be("rolled back by alarm apigw-dev-fastapi-5xx");
        end.FailureMessage("fastapi").Should()
            .StartWith("ECS deployment r9i43YFjvgF of fastapi was rolled back by alarm apigw-dev-fastapi-5xx during BAKE_TIME (Alarm apigw-dev-fastapi-5xx in ALARM state).")
            .And.Contain("The previous version serves again").And.Contain("./build.sh Logs --service fastapi").And.Contain("redeploy");
    }

    [Fact]
    public void A_rollback_by_the_circuit_breaker_says_the_new_tasks_did_not_become_healthy()
    {
        var end = ServiceDeploymentFollower.Judge(Deployment("ROLLBACK_SUCCESSFUL", "SCALE_UP", breakerStatus: "TRIGGERED"), "SCALE_UP");

        end.Describe().Should().Be("rolled back by circuit breaker");
        end.FailureMessage("fastapi").Should().Contain("during SCALE_UP").And.Contain("did not become healthy");
    }

    [Fact]
    public void A_rollback_no_monitor_triggered_was_asked_for()
    {
        var end = ServiceDeploymentFollower.Judge(Deployment("ROLLBACK_SUCCESSFUL", "BAKE_TIME", 0, 100), "BAKE_TIME");

        end.Describe().Should().Be("rolled back by request");
        end.FailureMessage("fastapi").Should().Contain("during BAKE_TIME").And.Contain("as asked").And.Contain("Redeploy when the new version is ready");
    }

    [Fact]
    public void A_failed_rollback_sends_the_user_to_see_what_serves()
    {
        var end = ServiceDeploymentFollower.Judge(Deployment("ROLLBACK_FAILED", "BAKE_TIME", breakerStatus: "TRIGGERED"), "BAKE_TIME");

        end.Describe().Should().Be("rollback by circuit breaker failed");
        end.FailureMessage("fastapi").Should().Contain("./build.sh Status").And.Contain("./build.sh Rollback --service fastapi");
    }

    [Fact]
    public void A_rollback_under_way_says_the_previous_version_takes_the_traffic_back()
    {
        ServiceDeploymentFollower.Narrate(Fastapi, Deployment("IN_PROGRESS", "BAKE_TIME", 100, 0),
                Deployment("ROLLBACK_IN_PROGRESS", "BAKE_TIME", 0, 100, alarmStatus: "TRIGGERED", triggered: ["apigw-dev-fastapi-5xx"]))
            .Should().Equal("fastapi: ROLLBACK_IN_PROGRESS (by alarm apigw-dev-fastapi-5xx): the previous version takes the traffic back; new 0 % / previous 100 %.");
    }

    [Theory]
    [InlineData("PRODUCTION_TRAFFIC_SHIFT", true)]
    [InlineData("BAKE_TIME", true)]
    [InlineData("TEST_TRAFFIC_SHIFT", true)]
    [InlineData("SCALE_UP", false)]
    [InlineData("CLEAN_UP", false)]
    public void Only_a_deployment_that_shifts_traffic_or_bakes_can_be_switched_back(string stage, bool switchable)
    {
        ServiceDeploymentFollower.KeepsThePreviousVersion(stage).Should().Be(switchable);
    }
}
