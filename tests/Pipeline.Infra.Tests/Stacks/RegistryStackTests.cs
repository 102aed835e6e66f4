using Amazon.CDK.Assertions;
using Pipeline.Infra.Tests.Support;

namespace Pipeline.Infra.Tests.Stacks;

[Collection(SynthesizedInfraCollection.Name)]
public sealed class RegistryStackTests(SynthesizedInfra infra)
{
    [ToolFact("node")]
    public void Each_service_gets_a_repository_named_after_environment_and_service()
    {
        infra.Dev.Registry.ResourceCountIs("AWS::ECR::Repository", infra.Catalog.Services.Count);
        foreach (var service in infra.Dev.Services)
            infra.Dev.Registry.HasResourceProperties("AWS::ECR::Repository", new Dictionary<string, object>
            {
                ["RepositoryName"] = $"apigw-dev/{service.Name}",
            });
    }

    [ToolFact("node")]
    public void Repositories_scan_on_push_and_have_immutable_tags() =>
        infra.Dev.Registry.AllResourcesProperties("AWS::ECR::Repository", new Dictionary<string, object>
        {
            ["ImageScanningConfiguration"] = new Dictionary<string, object> { ["ScanOnPush"] = true },
            ["ImageTagMutability"] = "IMMUTABLE",
        });

    [ToolFact("node")]
    public void Lifecycle_rule_keeps_the_last_five_images()
    {
        foreach (var (_, repository) in infra.Dev.RegistryJson.OfType("AWS::ECR::Repository"))
        {
            var policy = System.Text.Json.JsonDocument.Parse(
                repository.GetProperty("LifecyclePolicy").GetProperty("LifecyclePolicyText").GetString()!).RootElement;
            var rule = policy.GetProperty("rules").EnumerateArray().Single();
            rule.GetProperty("selection").GetProperty("countType").GetString().Should().Be("imageCountMoreThan");
            rule.GetProperty("selection").GetProperty("countNumber").GetInt32().Should().Be(5);
            rule.GetProperty("action").GetProperty("type").GetString().Should().Be("expire");
        }
    }

    [ToolFact("node")]
    public void Registry_is_a_small_stack_of_its_own_that_can_deploy_before_the_first_push()
    {
        infra.Dev.RegistryJson.Root.GetProperty("Resources").EnumerateObject()
            .Select(r => r.Value.GetProperty("Type").GetString())
            .Should().AllBe("AWS::ECR::Repository");
        infra.Dev.AppJson.OfType("AWS::ECR::Repository").Should().BeEmpty();
    }

    [ToolFact("node")]
    public void App_stack_finds_repositories_by_name_without_importing_registry_outputs()
    {
        infra.Dev.AppJson.Text.Should().NotContain("Fn::ImportValue");
        foreach (var service in infra.Dev.Services)
            infra.Dev.AppJson.Text.Should().Contain($":repository/apigw-dev/{service.Name}");
    }
}
