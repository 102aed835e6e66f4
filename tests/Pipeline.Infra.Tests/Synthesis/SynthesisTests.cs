using System.Text.Json;
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
        foreach (var template in new[] { infra.Dev.RegistryJson, infra.Dev.AppJson })
        {
            template.Root.TryGetProperty("Rules", out _).Should().BeFalse("a BootstrapVersion rule needs 'cdk bootstrap'");
            if (template.Root.TryGetProperty("Parameters", out var parameters))
                parameters.EnumerateObject().Select(p => p.Name).Should().OnlyContain(p => p.StartsWith("ImageTag", StringComparison.Ordinal),
                    "no BootstrapVersion or asset parameters");
            template.Text.Should().NotContain("AWS::CDK::Metadata").And.NotContain("aws:cdk:path").And.NotContain("cdk-hnb659fds");
        }
        Directory.GetFiles(infra.Dev.Directory).Select(Path.GetFileName)
            .Should().NotContain(f => f!.EndsWith(".assets.json", StringComparison.Ordinal));
    }

    [ToolFact("node")]
    public void Same_inputs_give_byte_identical_templates()
    {
        File.ReadAllBytes(infra.DevAgain.AppTemplatePath).Should().Equal(File.ReadAllBytes(infra.Dev.AppTemplatePath));
        File.ReadAllBytes(infra.DevAgain.RegistryTemplatePath).Should().Equal(File.ReadAllBytes(infra.Dev.RegistryTemplatePath));
    }

    [ToolFact("node")]
    public void Stacks_are_named_after_the_environment_as_the_pipeline_expects()
    {
        var written = Directory.GetFiles(infra.Prod.Directory, "*.template.json").Select(Path.GetFileName);
        written.Should().BeEquivalentTo(["apigw-prod-app.template.json", "apigw-prod-registry.template.json"]);
        var result = new SynthResult(infra.Prod.Directory, "prod", SynthOutcome.Synthesized, "");
        result.AppTemplatePath.Should().Be(infra.Prod.AppTemplatePath);
        result.RegistryTemplatePath.Should().Be(infra.Prod.RegistryTemplatePath);
    }

    [ToolFact("node")]
    public void A_third_service_is_a_new_folder_not_new_code()
    {
        var three = infra.ThreeServices;
        var orders = three.Catalog[SynthesizedInfra.ThirdService];

        three.Registry.ResourceCountIs("AWS::ECR::Repository", 3);
        three.App.ResourceCountIs("AWS::ECS::Service", 3);
        three.App.ResourceCountIs("AWS::ElasticLoadBalancingV2::LoadBalancer", 3);
        three.AppJson.OfType("AWS::ApiGatewayV2::Route").Select(r => r.Properties.GetProperty("RouteKey").GetString())
            .Should().Contain(["ANY /api/orders", "ANY /api/orders/{proxy+}"]);
        three.App.HasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", new Dictionary<string, object>
        {
            ["Port"] = orders.Port,
            ["HealthCheckPath"] = orders.HealthPath,
        });
        three.App.HasResourceProperties("AWS::ECS::TaskDefinition", new Dictionary<string, object> { ["Cpu"] = "512", ["Memory"] = "1024" });
    }

    [ToolFact("node")]
    public void Synthesized_templates_pass_every_security_rule()
    {
        foreach (var environment in new[] { infra.Dev, infra.Prod, infra.ThreeServices })
            foreach (var path in new[] { environment.RegistryTemplatePath, environment.AppTemplatePath })
            {
                using var template = JsonDocument.Parse(File.ReadAllText(path));
                TemplateRules.Check(template).Should().BeEmpty(path);
            }
    }
}
