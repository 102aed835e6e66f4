using Amazon.CDK.Assertions;
using Pipeline.Infra.Tests.Support;
using Pipeline.Manifests;

namespace Pipeline.Infra.Tests.Stacks;

[Collection(SynthesizedInfraCollection.Name)]
public sealed class OutputsTests(SynthesizedInfra infra)
{
    [ToolFact("node")]
    public void App_stack_outputs_endpoint_cluster_and_per_service_names_log_groups_and_alb_dns()
    {
        var outputs = infra.Dev.AppJson.Root.GetProperty("Outputs").EnumerateObject().Select(o => o.Name).ToList();
        var expected = new List<string> { "ApiEndpoint", "ClusterName" };
        foreach (var service in infra.Dev.Services)
            expected.AddRange([DeploymentNames.ServiceNameOutput(service.Name), DeploymentNames.LogGroupOutput(service.Name), DeploymentNames.LoadBalancerDnsOutput(service.Name)]);
        outputs.Should().BeEquivalentTo(expected);
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
        var api = infra.Dev.AppJson.OfType("AWS::ApiGatewayV2::Api").Single().Id;
        var endpoint = infra.Dev.AppJson.Root.GetProperty("Outputs").GetProperty("ApiEndpoint").GetProperty("Value");
        TemplateJson.RefsIn(endpoint).Should().Contain(api);
        endpoint.GetRawText().Should().Contain("https://").And.Contain(".execute-api.").And.NotContain("Fn::GetAtt");
    }

    [ToolFact("node")]
    public void No_output_reads_an_attribute_of_a_resource_an_emulator_may_skip()
    {
        var skippable = infra.Dev.AppJson.Root.GetProperty("Resources").EnumerateObject()
            .Where(r => r.Value.GetProperty("Type").GetString() is var t &&
                        (t!.StartsWith("AWS::ApiGatewayV2::", StringComparison.Ordinal) || t == "AWS::CloudWatch::Alarm" || t.StartsWith("AWS::ApplicationAutoScaling::", StringComparison.Ordinal)))
            .Select(r => r.Name).ToHashSet();
        skippable.Should().NotBeEmpty();
        foreach (var output in infra.Dev.AppJson.Root.GetProperty("Outputs").EnumerateObject())
            TemplateJson.GetAttTargetsIn(output.Value).Should().NotIntersectWith(skippable, $"output {output.Name} must not GetAtt a resource moto skips");
    }
}
