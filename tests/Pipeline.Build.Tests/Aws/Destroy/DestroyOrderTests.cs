using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Aws.Destroy;
using Pipeline.Manifests;

namespace Pipeline.Build.Tests.Aws.Destroy;

/// <summary>The order Destroy deletes an environment's stacks in, read from a DescribeStacks listing.</summary>
public sealed class DestroyOrderTests
{
    static readonly ServiceCatalog Catalog = new(
    [
        new ServiceManifest { Name = "api", Port = 1, RoutePrefix = "/api/api" },
        new ServiceManifest { Name = "billing", Port = 2, RoutePrefix = "/api/billing", Uses = ["api"] },
        new ServiceManifest { Name = "front", Port = 3, RoutePrefix = "/api/front", Uses = ["billing", "api"] },
        new ServiceManifest { Name = "jobs", Port = 4, RoutePrefix = "/api/jobs" },
    ]);

    static IReadOnlyDictionary<string, StackDescription> Deployed(params (string Name, string Environment)[] stacks) =>
        stacks.ToDictionary(s => s.Name, s => new StackDescription(s.Name, "id-" + s.Name, "CREATE_COMPLETE", "", new Dictionary<string, string>())
        {
            Tags = new Dictionary<string, string> { [EnvironmentInventory.EnvironmentTag] = s.Environment },
        });

    [Fact]
    public void Services_go_before_what_they_use_then_shared_then_registry()
    {
        var deployed = Deployed(("apigw-dev-registry", "dev"), ("apigw-dev-shared", "dev"), ("apigw-dev-api", "dev"), ("apigw-dev-billing", "dev"),
            ("apigw-dev-front", "dev"), ("apigw-dev-jobs", "dev"));

        var stacks = EnvironmentInventory.StacksToDelete(deployed, "dev", Catalog);

        var order = stacks.Select(s => s.Label).ToList();
        order.Should().Equal("front", "billing", "jobs", "api", "shared", "registry");
        stacks.Single(s => s.Label == "api").After.Should().BeEquivalentTo("apigw-dev-billing", "apigw-dev-front");
        stacks.Single(s => s.Label == "billing").After.Should().Equal("apigw-dev-front");
        stacks.Single(s => s.Label == "jobs").After.Should().BeEmpty("nothing uses jobs: it goes at once, beside front");
        stacks.Single(s => s.Label == "shared").After.Should().HaveCount(4);
        stacks.Single(s => s.Label == "registry").After.Should().HaveCount(5);
        stacks.Single(s => s.Label == "shared").HoldsVpcLink.Should().BeTrue();
    }

    [Fact]
    public void Missing_stacks_are_left_out_and_so_are_the_stacks_of_other_environments()
    {
        var deployed = Deployed(("apigw-dev-shared", "dev"), ("apigw-dev-api", "dev"), ("apigw-dev-2-shared", "dev-2"), ("apigw-dev-2-api", "dev-2"),
            ("apigw-prod-api", "prod"));

        var stacks = EnvironmentInventory.StacksToDelete(deployed, "dev", Catalog);

        stacks.Select(s => s.StackName).Should().Equal("apigw-dev-api", "apigw-dev-shared");
        stacks[0].After.Should().BeEmpty("billing and front, which use api, are not deployed");
    }

    [Fact]
    public void The_earlier_app_stack_and_stacks_of_removed_services_go_first()
    {
        var deployed = Deployed(("apigw-dev-registry", "dev"), ("apigw-dev-app", "dev"), ("apigw-dev-retired", "dev"), ("apigw-dev-api", "dev"));

        var stacks = EnvironmentInventory.StacksToDelete(deployed, "dev", Catalog);

        stacks.Select(s => (s.Label, s.Role)).Should().Equal(("retired", StackRole.Service), ("app", StackRole.LegacyApp), ("api", StackRole.Service), ("registry", StackRole.Registry));
        stacks.Single(s => s.Role == StackRole.LegacyApp).HoldsVpcLink.Should().BeTrue("the single stack held the VPC Link too");
    }
}
