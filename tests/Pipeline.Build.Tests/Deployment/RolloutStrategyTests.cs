using Pipeline.Manifests;

namespace Pipeline.Build.Tests.Deployment;

public sealed class RolloutStrategyTests
{
    [Fact]
    public void A_manifest_without_a_deployment_gets_a_canary_of_ten_percent_for_three_minutes_and_five_of_bake()
    {
        var strategy = new ServiceManifest { Name = "web", Port = 8000, RoutePrefix = "/api/web" }.Deployment;

        strategy.Kind.Should().Be(RolloutKind.Canary);
        strategy.EcsStrategy.Should().Be("CANARY");
        strategy.Steps().Should().Equal(new TrafficStep(10, 3), new TrafficStep(100, 0));
        strategy.Describe().Should().Be("canary 10 % for 3 min, bake 5 min");
    }

    [Fact]
    public void Linear_moves_in_equal_steps_and_the_last_one_reaches_all_of_the_traffic()
    {
        var strategy = new RolloutStrategy { Strategy = "linear", LinearStepPercent = 30, LinearStepBakeTimeMinutes = 2 };

        strategy.Steps().Should().Equal(new TrafficStep(30, 2), new TrafficStep(60, 2), new TrafficStep(90, 2), new TrafficStep(100, 0));
        strategy.EcsStrategy.Should().Be("LINEAR");
    }

    [Theory]
    [InlineData("rolling", "ROLLING", false)]
    [InlineData("blue-green", "BLUE_GREEN", true)]
    [InlineData("BLUE_GREEN", "BLUE_GREEN", true)]
    public void Rolling_and_blue_green_move_everything_in_one_step(string name, string ecs, bool shifts)
    {
        var strategy = new RolloutStrategy { Strategy = name };

        strategy.Steps().Should().Equal(new TrafficStep(100, 0));
        strategy.EcsStrategy.Should().Be(ecs);
        strategy.ShiftsTraffic.Should().Be(shifts);
    }

    [Fact]
    public void A_run_override_replaces_the_strategy_and_the_bake_time_only()
    {
        var declared = new RolloutStrategy { Strategy = "canary", CanaryPercent = 20, BakeTimeMinutes = 5 };

        var overridden = declared.With("blue-green", 0);

        overridden.Kind.Should().Be(RolloutKind.BlueGreen);
        overridden.BakeTimeMinutes.Should().Be(0);
        overridden.CanaryPercent.Should().Be(20);
        declared.With(null, null).Should().Be(declared);
    }

    [Fact]
    public void An_unknown_strategy_on_the_command_line_names_the_ones_that_exist()
    {
        var act = () => RolloutStrategy.Default.With("big-bang", null);

        act.Should().Throw<ManifestException>().WithMessage("--strategy: unknown deployment strategy 'big-bang'. Use one of: rolling, blue-green, canary, linear.");
    }

    [Fact]
    public void Settings_ECS_would_refuse_are_named_with_their_limits()
    {
        var strategy = new RolloutStrategy
        {
            Strategy = "slow", BakeTimeMinutes = 1441, CanaryPercent = 0.05, LinearStepPercent = 2.5, CanaryBakeTimeMinutes = -1,
        };

        strategy.Problems("web").Should().BeEquivalentTo(
            "web: deployment.strategy: unknown deployment strategy 'slow'. Use one of: rolling, blue-green, canary, linear.",
            "web: deployment.bakeTimeMinutes 1441 is outside 0-1440 (ECS's limit: 24 hours).",
            "web: deployment.canaryBakeTimeMinutes -1 is outside 0-1440 (ECS's limit: 24 hours).",
            "web: deployment.canaryPercent 0.05 must be a multiple of 0.1 from 0.1 to 100 (ECS's CanaryPercent).",
            "web: deployment.linearStepPercent 2.5 must be a multiple of 0.1 from 3 to 100 (ECS's StepPercent).");
        RolloutStrategy.Default.Problems("web").Should().BeEmpty();
    }

    [Fact]
    public void A_manifest_with_a_bad_deployment_is_refused_when_the_catalog_loads()
    {
        var folder = Directory.CreateTempSubdirectory("services-");
        try
        {
            Directory.CreateDirectory(Path.Combine(folder.FullName, "web"));
            File.WriteAllText(Path.Combine(folder.FullName, "web", "service.json"),
                """{ "name": "web", "port": 8000, "routePrefix": "/api/web", "deployment": { "strategy": "canary", "canaryPercent": 150 } }""");

            var load = () => ServiceCatalog.Load(folder.FullName);

            load.Should().Throw<ManifestException>().WithMessage("*web: deployment.canaryPercent 150 must be a multiple of 0.1 from 0.1 to 100*");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_repository_services_declare_their_strategies()
    {
        var catalog = ServiceCatalog.Load(ServiceCatalog.FindServicesDirectory());

        catalog["fastapi"].Deployment.Describe().Should().Be("canary 10 % for 3 min, bake 5 min");
        catalog["mcp"].Deployment.Describe().Should().Be("linear 25 % every 1 min, bake 5 min");
    }
}
