using Pipeline.Infra.Tests.Support;
using Pipeline.Manifests;

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
    public void Lifecycle_policy_keeps_the_images_of_the_last_ten_deploys_first_then_the_last_five_images()
    {
        foreach (var (_, repository) in infra.Dev.RegistryJson.OfType("AWS::ECR::Repository"))
        {
            var rules = Rules(repository);
            rules.Select(r => r.GetProperty("rulePriority").GetInt32()).Should().Equal(1, 2);

            var deployed = rules[0].GetProperty("selection");
            deployed.GetProperty("tagStatus").GetString().Should().Be("tagged");
            deployed.GetProperty("tagPrefixList").EnumerateArray().Select(p => p.GetString()).Should().Equal(DeploymentNames.DeployedImageTagPrefix);
            deployed.GetProperty("countType").GetString().Should().Be("imageCountMoreThan");
            deployed.GetProperty("countNumber").GetInt32().Should().Be(InfraOptions.DefaultKeepDeployedImages);
            rules[0].GetProperty("action").GetProperty("type").GetString().Should().Be("expire");

            // ECR judges an image by the highest-priority rule whose tag filter matches it: rule 2 never expires a deployed- image.
            var any = rules[1].GetProperty("selection");
            any.GetProperty("tagStatus").GetString().Should().Be("any");
            any.TryGetProperty("tagPrefixList", out _).Should().BeFalse();
            any.GetProperty("countType").GetString().Should().Be("imageCountMoreThan");
            any.GetProperty("countNumber").GetInt32().Should().Be(5);
            rules[1].GetProperty("action").GetProperty("type").GetString().Should().Be("expire");
        }
    }

    [ToolFact("node")]
    public void Keep_deployed_images_sets_how_many_deploys_the_first_rule_protects()
    {
        var folder = Path.Combine(Path.GetTempPath(), "pipeline-registry-keep-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var app = InfraApp.CreateApp(folder);
            var options = InfraOptions.Parse(["--environment", "dev", "--stack", "registry", "--keep-deployed-images", "3"], _ => null);
            InfraApp.Build(app, options, infra.Catalog);
            app.Synth();

            var template = new TemplateJson(File.ReadAllText(Path.Combine(folder, DeploymentNames.RegistryStack("dev") + ".template.json")));
            foreach (var (_, repository) in template.OfType("AWS::ECR::Repository"))
                Rules(repository)[0].GetProperty("selection").GetProperty("countNumber").GetInt32().Should().Be(3);
        }
        finally
        {
            if (Directory.Exists(folder))
                Directory.Delete(folder, recursive: true);
        }
    }

    static System.Text.Json.JsonElement[] Rules(System.Text.Json.JsonElement repository) =>
        System.Text.Json.JsonDocument.Parse(repository.GetProperty("LifecyclePolicy").GetProperty("LifecyclePolicyText").GetString()!)
            .RootElement.GetProperty("rules").EnumerateArray().OrderBy(r => r.GetProperty("rulePriority").GetInt32()).ToArray();

    [ToolFact("node")]
    public void Registry_is_a_small_stack_of_its_own_that_can_deploy_before_the_first_push()
    {
        infra.Dev.RegistryJson.Root.GetProperty("Resources").EnumerateObject()
            .Select(r => r.Value.GetProperty("Type").GetString())
            .Should().AllBe("AWS::ECR::Repository");
        foreach (var (stack, template) in infra.Dev.ApplicationStacks)
            template.OfType("AWS::ECR::Repository").Should().BeEmpty(stack);
    }

    [ToolFact("node")]
    public void Service_stacks_find_repositories_by_name_without_reading_registry_values()
    {
        infra.Dev.RegistryJson.Outputs().Should().AllSatisfy(o => o.Value.TryGetProperty("Export", out _).Should().BeFalse(o.Name));
        infra.Dev.RegistryJson.PublishedParameters().Should().BeEmpty("nothing reads from the registry stack");
        infra.Dev.SharedJson.ReadParameterPaths().Should().BeEmpty("the shared stack reads from no other stack");
        var registryOutputs = infra.Dev.Services.Select(s => DeploymentNames.RepositoryUriOutput(s.Name)).ToList();
        foreach (var service in infra.Dev.Services)
        {
            var template = infra.Dev.ServiceJson(service);
            template.Text.Should().Contain($":repository/apigw-dev/{service.Name}");
            template.ReadParameterPaths().Should().NotContain(path => registryOutputs.Any(o => path.Contains(o, StringComparison.Ordinal)) || path.Contains("registry", StringComparison.Ordinal));
        }
    }
}
