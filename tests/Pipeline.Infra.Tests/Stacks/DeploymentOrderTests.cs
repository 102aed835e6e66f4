using Pipeline.Manifests;

namespace Pipeline.Infra.Tests.Stacks;

/// <summary>The order service stacks deploy in: a used service's stack first, independent ones in the same wave.</summary>
public sealed class DeploymentOrderTests
{
    static ServiceManifest Service(string name, params string[] uses) =>
        new() { Name = name, Port = 8000, RoutePrefix = "/api/" + name, Uses = uses };

    static IEnumerable<IEnumerable<string>> WavesOf(params ServiceManifest[] services) =>
        new ServiceCatalog(services).DeploymentWaves().Select(wave => wave.Select(s => s.Name));

    [Fact]
    public void A_service_deploys_after_the_service_it_uses() =>
        WavesOf(Service("mcp", "fastapi"), Service("fastapi")).Should().BeEquivalentTo(
            [new[] { "fastapi" }, ["mcp"]], o => o.WithStrictOrdering());

    [Fact]
    public void Services_that_use_nothing_share_the_first_wave_in_name_order() =>
        WavesOf(Service("orders"), Service("billing"), Service("mcp")).Should().BeEquivalentTo(
            [new[] { "billing", "mcp", "orders" }], o => o.WithStrictOrdering());

    [Fact]
    public void A_chain_gives_one_wave_per_link_and_a_diamond_waits_for_both_sides()
    {
        WavesOf(Service("a", "b"), Service("b", "c"), Service("c")).Should().BeEquivalentTo(
            [new[] { "c" }, ["b"], ["a"]], o => o.WithStrictOrdering());
        WavesOf(Service("top", "left", "right"), Service("left", "base"), Service("right", "middle"), Service("middle", "base"), Service("base"))
            .Should().BeEquivalentTo([new[] { "base" }, ["left", "middle"], ["right"], ["top"]], o => o.WithStrictOrdering());
    }

    [Fact]
    public void Deployment_order_flattens_the_waves_so_every_used_service_comes_first()
    {
        var catalog = new ServiceCatalog([Service("web", "api", "auth"), Service("api", "auth"), Service("auth"), Service("jobs")]);
        var order = catalog.InDeploymentOrder().Select(s => s.Name).ToList();

        order.Should().Equal("auth", "jobs", "api", "web");
        foreach (var service in catalog.Services)
            foreach (var used in service.Uses)
                order.IndexOf(used).Should().BeLessThan(order.IndexOf(service.Name), $"{service.Name} uses {used}");
    }

    [Fact]
    public void The_real_services_deploy_fastapi_before_mcp()
    {
        var catalog = ServiceCatalog.Load(ServiceCatalog.FindServicesDirectory());
        var order = catalog.InDeploymentOrder().Select(s => s.Name).ToList();
        order.IndexOf("fastapi").Should().BeLessThan(order.IndexOf("mcp"));
    }

    [Fact]
    public void A_cycle_is_an_error_that_names_the_cycle() =>
        FluentActions.Invoking(() => WavesOf(Service("a", "b"), Service("b", "c"), Service("c", "a")).ToList())
            .Should().Throw<ManifestException>().WithMessage("*cycle: a → b → c → a*remove one of these uses*");

    [Fact]
    public void A_service_that_uses_itself_is_a_cycle() =>
        FluentActions.Invoking(() => WavesOf(Service("loop", "loop")).ToList())
            .Should().Throw<ManifestException>().WithMessage("*cycle: loop → loop*");

    [Fact]
    public void Using_an_unknown_service_is_an_error_that_names_it_and_the_services_that_exist() =>
        FluentActions.Invoking(() => WavesOf(Service("mcp", "fastpi"), Service("fastapi")).ToList())
            .Should().Throw<ManifestException>().WithMessage("mcp uses unknown service 'fastpi'. Services: fastapi, mcp.*");

    [Fact]
    public void Loading_manifests_that_use_each_other_in_a_cycle_fails()
    {
        var folder = Directory.CreateTempSubdirectory("pipeline-cycle-");
        try
        {
            foreach (var (name, port, uses) in new[] { ("ping", 8001, "pong"), ("pong", 8002, "ping") })
            {
                Directory.CreateDirectory(Path.Combine(folder.FullName, name));
                File.WriteAllText(Path.Combine(folder.FullName, name, ServiceCatalog.ManifestFileName),
                    $$"""{ "name": "{{name}}", "port": {{port}}, "routePrefix": "/api/{{name}}", "uses": ["{{uses}}"] }""");
            }

            FluentActions.Invoking(() => ServiceCatalog.Load(folder.FullName))
                .Should().Throw<ManifestException>().WithMessage("Invalid service manifests:*cycle: ping → pong → ping*");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
