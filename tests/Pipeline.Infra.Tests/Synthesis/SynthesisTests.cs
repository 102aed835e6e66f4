using Pipeline.Build.Synthesis;
using Pipeline.Infra.Tests.Support;
using Pipeline.Manifests;

namespace Pipeline.Infra.Tests.Synthesis;

[Collection(SynthesizedInfraCollection.Name)]
public sealed class SynthesisTests(SynthesizedInfra infra)
{
    [ToolFact("node")]
    public void Templates_need_no_bootstrap_no_assets_and_no_version_metadata()
    {
        foreach (var path in infra.Dev.TemplatePaths)
        {
            var template = new TemplateJson(File.ReadAllText(path));
            template.Root.TryGetProperty("Rules", out _).Should().BeFalse($"{path}: a BootstrapVersion rule needs 'cdk bootstrap'");
            // Only the image tag, the desired count and the SSM parameters of the environment a stack reads; no BootstrapVersion or asset parameters.
            if (template.Root.TryGetProperty("Parameters", out var parameters))
                foreach (var parameter in parameters.EnumerateObject())
                    (parameter.Name.StartsWith("ImageTag", StringComparison.Ordinal) ||
                     parameter.Name.StartsWith("DesiredCount", StringComparison.Ordinal) ||
                     template.SsmParameters().TryGetValue(parameter.Name, out var ssmPath) && ssmPath.StartsWith(DeploymentNames.ParameterPrefix("dev") + "/", StringComparison.Ordinal))
                        .Should().BeTrue($"{path}: parameter {parameter.Name} must be an image tag, a desired count or an SSM parameter under /apigw/dev/");
            template.Text.Should().NotContain("AWS::CDK::Metadata").And.NotContain("aws:cdk:path").And.NotContain("cdk-hnb659fds")
                .And.NotContain("BootstrapVersion").And.NotContain("AssetParameters");
        }
        Directory.GetFiles(infra.Dev.Directory).Select(Path.GetFileName)
            .Should().NotContain(f => f!.EndsWith(".assets.json", StringComparison.Ordinal));
    }

    [ToolFact("node")]
    public void Same_inputs_give_byte_identical_templates()
    {
        var first = infra.Dev.TemplatePaths;
        var second = infra.DevAgain.TemplatePaths;
        second.Select(Path.GetFileName).Should().Equal(first.Select(Path.GetFileName));
        first.Should().HaveCount(2 + infra.Catalog.Services.Count);
        foreach (var (a, b) in first.Zip(second))
            File.ReadAllBytes(b).Should().Equal(File.ReadAllBytes(a), Path.GetFileName(a));
    }

    [ToolFact("node")]
    public void Stacks_are_named_after_the_environment_as_the_pipeline_expects()
    {
        var services = infra.Catalog.Names.ToList();
        var written = Directory.GetFiles(infra.Prod.Directory, "*.template.json").Select(Path.GetFileName);
        written.Should().BeEquivalentTo(
            ["apigw-prod-registry.template.json", "apigw-prod-shared.template.json", .. services.Select(s => $"apigw-prod-{s}.template.json")]);

        var result = new SynthResult(infra.Prod.Directory, "prod", SynthOutcome.Synthesized, "", services);
        result.StackNames.Should().Equal(["apigw-prod-registry", "apigw-prod-shared", .. services.Select(s => $"apigw-prod-{s}")]);
        result.RegistryTemplatePath.Should().Be(infra.Prod.RegistryTemplatePath);
        result.SharedTemplatePath.Should().Be(infra.Prod.SharedTemplatePath);
        foreach (var service in infra.Prod.Services)
            result.ServiceTemplatePath(service.Name).Should().Be(infra.Prod.ServiceTemplatePath(service));
        result.StackNames.Select(result.TemplatePath).Should().Equal(infra.Prod.TemplatePaths);
        result.Describe().Should().Be($"apigw-prod-registry, apigw-prod-shared and {services.Count} service stacks");
    }

    [ToolFact("node")]
    public void A_third_service_is_a_new_folder_not_new_code()
    {
        var three = infra.ThreeServices;
        var orders = three.Catalog[SynthesizedInfra.ThirdService];
        var stack = three.ServiceStack(orders);
        var json = three.ServiceJson(orders);

        three.Registry.ResourceCountIs("AWS::ECR::Repository", 3);
        three.Services.Should().HaveCount(3);
        foreach (var service in three.Services)
        {
            three.ServiceStack(service).ResourceCountIs("AWS::ECS::Service", 1);
            three.ServiceStack(service).ResourceCountIs("AWS::ElasticLoadBalancingV2::LoadBalancer", 1);
        }
        File.Exists(three.TemplatePath(DeploymentNames.ServiceStack("dev", SynthesizedInfra.ThirdService))).Should().BeTrue();
        json.OfType("AWS::ApiGatewayV2::Route").Select(r => r.Properties.GetProperty("RouteKey").GetString())
            .Should().BeEquivalentTo(["ANY /api/orders", "ANY /api/orders/{proxy+}", "ANY /api/orders/ready"], "its health path /ready is public");
        stack.HasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", new Dictionary<string, object>
        {
            ["Port"] = orders.Port,
            ["HealthCheckPath"] = orders.HealthPath,
        });
        stack.HasResourceProperties("AWS::ECS::TaskDefinition", new Dictionary<string, object> { ["Cpu"] = "512", ["Memory"] = "1024" });
        json.PublishedParameters().Keys.Should().BeEquivalentTo(
            Enum.GetValues<ServiceValue>().Select(v => DeploymentNames.ServiceParameter("dev", SynthesizedInfra.ThirdService, v)));
    }

    [ToolFact("node")]
    public void Synthesized_templates_pass_every_security_rule()
    {
        foreach (var environment in new[] { infra.Dev, infra.Prod, infra.ThreeServices, infra.ExternalIssuer, infra.WithSecrets })
        {
            environment.TemplatePaths.Should().HaveCount(2 + environment.Catalog.Services.Count);
            foreach (var path in environment.TemplatePaths)
                environment.RuleViolations(path).Should().BeEmpty(path);
        }
    }
}
