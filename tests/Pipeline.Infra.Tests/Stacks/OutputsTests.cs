using Amazon.CDK.Assertions;
using Pipeline.Infra.Tests.Support;
using Pipeline.Manifests;

namespace Pipeline.Infra.Tests.Stacks;

[Collection(SynthesizedInfraCollection.Name)]
public sealed class OutputsTests(SynthesizedInfra infra)
{
    [ToolFact("node")]
    public void Shared_stack_outputs_endpoint_cluster_dashboard_access_log_and_with_its_own_issuer_the_user_pool_and_interactive_client()
    {
        // What the service stacks need goes through SSM parameters; the outputs are for the pipeline and for people.
        var outputs = infra.Dev.SharedJson.Outputs().Select(o => o.Name).ToList();
        outputs.Should().BeEquivalentTo([DeploymentNames.ApiEndpointOutput, DeploymentNames.ClusterNameOutput, DeploymentNames.DashboardNameOutput,
            DeploymentNames.AccessLogGroupOutput, DeploymentNames.UserPoolIdOutput, DeploymentNames.InteractiveClientIdOutput]);
        infra.ExternalIssuer.SharedJson.Outputs().Select(o => o.Name).Should().BeEquivalentTo([DeploymentNames.ApiEndpointOutput, DeploymentNames.ClusterNameOutput,
            DeploymentNames.DashboardNameOutput, DeploymentNames.AccessLogGroupOutput]);
    }

    [ToolFact("node")]
    public void The_dashboard_and_access_log_outputs_name_the_dashboard_and_the_log_group_the_stage_writes_to()
    {
        foreach (var environment in new[] { infra.Dev, infra.Prod })
        {
            var outputs = environment.SharedJson.Outputs().ToDictionary(o => o.Name, o => o.Value.GetProperty("Value"));
            // Ref of a dashboard is its name, Ref of a log group its name (the CloudFormation template reference).
            TemplateJson.ReferencedId(outputs[DeploymentNames.DashboardNameOutput]).Should().Be(environment.SharedJson.OfType("AWS::CloudWatch::Dashboard").Single().Id);
            outputs[DeploymentNames.DashboardNameOutput].TryGetProperty("Ref", out _).Should().BeTrue();
            outputs[DeploymentNames.AccessLogGroupOutput].GetProperty("Ref").GetString().Should().Be(environment.AccessLogGroup);
        }
    }

    [ToolFact("node")]
    public void No_stack_of_any_profile_exports_a_value()
    {
        foreach (var environment in new[] { infra.Dev, infra.Prod, infra.ThreeServices })
            foreach (var path in environment.TemplatePaths)
            {
                var template = new TemplateJson(File.ReadAllText(path));
                template.Outputs().Should().AllSatisfy(o => o.Value.TryGetProperty("Export", out _).Should().BeFalse($"{path}: output {o.Name}"));
                template.Text.Should().NotContain("Fn::ImportValue", path);
            }
    }

    [ToolFact("node")]
    public void Each_service_stack_outputs_its_service_name_log_group_alb_dns_and_alb_security_group()
    {
        foreach (var service in infra.Dev.Services)
            infra.Dev.ServiceJson(service).Outputs().Select(o => o.Name).Should().BeEquivalentTo(
            [
                DeploymentNames.ServiceNameOutput(service.Name), DeploymentNames.LogGroupOutput(service.Name),
                DeploymentNames.LoadBalancerDnsOutput(service.Name), DeploymentNames.AlbSecurityGroupOutput(service.Name),
            ], service.Name);
    }

    [ToolFact("node")]
    public void Registry_stack_outputs_one_repository_uri_per_service()
    {
        foreach (var service in infra.Dev.Services)
            infra.Dev.Registry.HasOutput(DeploymentNames.RepositoryUriOutput(service.Name), new Dictionary<string, object> { ["Value"] = Match.AnyValue() });
        infra.Dev.RegistryJson.Root.GetProperty("Outputs").EnumerateObject().Should().HaveCount(infra.Catalog.Services.Count);
    }

    [ToolFact("node")]
    public void Api_endpoint_is_composed_from_ref_so_emulators_that_skip_the_api_still_deploy()
    {
        var api = infra.Dev.SharedJson.OfType("AWS::ApiGatewayV2::Api").Single().Id;
        var endpoint = infra.Dev.SharedJson.Root.GetProperty("Outputs").GetProperty("ApiEndpoint").GetProperty("Value");
        TemplateJson.RefsIn(endpoint).Should().Contain(api);
        endpoint.GetRawText().Should().Contain("https://").And.Contain(".execute-api.").And.NotContain("Fn::GetAtt");
    }

    [ToolFact("node")]
    public void No_output_reads_an_attribute_of_a_resource_an_emulator_may_skip()
    {
        var sawSkippable = false;
        foreach (var (stack, template) in infra.Dev.ApplicationStacks)
        {
            var skippable = template.Root.GetProperty("Resources").EnumerateObject()
                .Where(r => r.Value.GetProperty("Type").GetString() is var t &&
                            (t!.StartsWith("AWS::ApiGatewayV2::", StringComparison.Ordinal) || t == "AWS::CloudWatch::Alarm" ||
                             t.StartsWith("AWS::ApplicationAutoScaling::", StringComparison.Ordinal) || t.StartsWith("AWS::Cognito::", StringComparison.Ordinal)))
                .Select(r => r.Name).ToHashSet();
            sawSkippable |= skippable.Count > 0;
            foreach (var (name, output) in template.Outputs())
                TemplateJson.GetAttTargetsIn(output).Should().NotIntersectWith(skippable, $"output {name} of {stack} must not GetAtt a resource moto skips");
        }
        sawSkippable.Should().BeTrue();
    }
}
