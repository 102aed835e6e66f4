using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Infra.Tests.Support;
using Pipeline.Manifests;

namespace Pipeline.Infra.Tests.Stacks;

/// <summary>
/// The environment's stacks: registry, shared, one per service; how they find each other (SSM parameters at stable
/// paths, read as <c>AWS::SSM::Parameter::Value&lt;String&gt;</c> template parameters; no exports) and the order they deploy in.
/// </summary>
[Collection(SynthesizedInfraCollection.Name)]
public sealed class StackLayoutTests(SynthesizedInfra infra)
{
    [ToolFact("node")]
    public void An_environment_is_a_registry_stack_a_shared_stack_and_one_stack_per_service()
    {
        var written = Directory.GetFiles(infra.Prod.Directory, "*.template.json").Select(Path.GetFileName);
        written.Should().BeEquivalentTo(
            ["apigw-prod-registry.template.json", "apigw-prod-shared.template.json", .. infra.Prod.Services.Select(s => $"apigw-prod-{s.Name}.template.json")]);
        written.Should().NotContain(DeploymentNames.AppStack("prod") + ".template.json", "the legacy single stack is gone");
        DeploymentNames.SharedStack("prod").Should().Be("apigw-prod-shared");
        DeploymentNames.ServiceStack("prod", "fastapi").Should().Be("apigw-prod-fastapi");
    }

    [ToolFact("node")]
    public void Shared_stack_writes_one_string_parameter_per_value_at_stable_paths()
    {
        infra.Dev.SharedJson.PublishedParameters().Keys.Should().BeEquivalentTo(
        [
            "/apigw/dev/shared/VpcId",
            "/apigw/dev/shared/PrivateSubnetIds",
            "/apigw/dev/shared/ClusterName",
            "/apigw/dev/shared/ClusterArn",
            "/apigw/dev/shared/HttpApiId",
            "/apigw/dev/shared/VpcLinkId",
            "/apigw/dev/shared/VpcLinkSecurityGroupId",
            "/apigw/dev/shared/ApiEndpoint",
            "/apigw/dev/shared/AuthorizerId",
            "/apigw/dev/shared/AuthIssuer",
            "/apigw/dev/shared/AuthAudience",
            "/apigw/dev/shared/AlarmTopicArn",
            "/apigw/dev/shared/UserPoolId",
            "/apigw/dev/shared/TokenClientId",
            "/apigw/dev/shared/TokenEndpoint",
            "/apigw/dev/shared/InteractiveClientId",
        ]);
        Enum.GetValues<SharedValue>().Select(v => DeploymentNames.SharedParameter("dev", v))
            .Should().BeEquivalentTo(infra.Dev.SharedJson.PublishedParameters().Keys);
        // A service's ALB DNS name and security group, for the services that call it.
        foreach (var service in infra.Dev.Services)
            infra.Dev.ServiceJson(service).PublishedParameters().Keys.Should().BeEquivalentTo(
                [$"/apigw/dev/services/{service.Name}/LoadBalancerDns", $"/apigw/dev/services/{service.Name}/AlbSecurityGroupId"]);
        foreach (var (stack, template) in infra.Dev.ApplicationStacks)
            foreach (var (_, parameter) in template.OfType("AWS::SSM::Parameter"))
            {
                parameter.GetProperty("Type").GetString().Should().Be("String", $"{stack}: plain values, not secrets");
                parameter.GetProperty("Name").GetString().Should().StartWith(DeploymentNames.ParameterPrefix("dev") + "/");
            }
        DeploymentNames.ParameterPrefix("prod").Should().Be("/apigw/prod");
        infra.Prod.Parameters.Keys.Should().OnlyContain(p => p.StartsWith("/apigw/prod/", StringComparison.Ordinal));
    }

    [ToolFact("node")]
    public void Parameters_hold_the_values_service_stacks_need()
    {
        var shared = infra.Dev.SharedJson;
        string Value(SharedValue value) => infra.Dev.Parameters[DeploymentNames.SharedParameter("dev", value)].Value.GetRawText();
        string Id(string type) => shared.OfType(type).Single().Id;

        TemplateJson.RefsIn(JsonDocument.Parse(Value(SharedValue.VpcId)).RootElement).Should().Equal(Id("AWS::EC2::VPC"));
        TemplateJson.RefsIn(JsonDocument.Parse(Value(SharedValue.ClusterName)).RootElement).Should().Equal(Id("AWS::ECS::Cluster"));
        TemplateJson.GetAttTargetsIn(JsonDocument.Parse(Value(SharedValue.ClusterArn)).RootElement).Should().Equal(Id("AWS::ECS::Cluster"));
        TemplateJson.RefsIn(JsonDocument.Parse(Value(SharedValue.HttpApiId)).RootElement).Should().Equal(Id("AWS::ApiGatewayV2::Api"));
        TemplateJson.RefsIn(JsonDocument.Parse(Value(SharedValue.VpcLinkId)).RootElement).Should().Equal(Id("AWS::ApiGatewayV2::VpcLink"));
        TemplateJson.GetAttTargetsIn(JsonDocument.Parse(Value(SharedValue.VpcLinkSecurityGroupId)).RootElement)
            .Should().Equal(TemplateJson.ReferencedId(shared.OfType("AWS::ApiGatewayV2::VpcLink").Single().Properties.GetProperty("SecurityGroupIds")[0]));
        foreach (var service in infra.Dev.Services)
        {
            var (_, security) = infra.Dev.Parameters[DeploymentNames.ServiceParameter("dev", service.Name, ServiceValue.AlbSecurityGroupId)];
            TemplateJson.GetAttTargetsIn(security).Should().Equal(infra.Dev.AlbSecurityGroupOf(service));
            var (_, dns) = infra.Dev.Parameters[DeploymentNames.ServiceParameter("dev", service.Name, ServiceValue.LoadBalancerDns)];
            TemplateJson.GetAttTargetsIn(dns).Should().Equal(infra.Dev.LoadBalancerOf(service));
        }
    }

    [ToolFact("node")]
    public void Ids_of_resources_an_emulator_skips_are_written_so_the_parameter_is_never_empty()
    {
        // moto creates no HTTP API, VPC Link, authorizer or Cognito resource: a plain Ref to one resolves to nothing there,
        // and an empty SSM value fails the whole stack. Fn::Sub of the Ref is the same string on AWS.
        foreach (var (value, type) in new[]
                 {
                     (SharedValue.HttpApiId, "AWS::ApiGatewayV2::Api"), (SharedValue.VpcLinkId, "AWS::ApiGatewayV2::VpcLink"),
                     (SharedValue.AuthorizerId, "AWS::ApiGatewayV2::Authorizer"), (SharedValue.UserPoolId, "AWS::Cognito::UserPool"),
                 })
        {
            var parameter = infra.Dev.Parameters[DeploymentNames.SharedParameter("dev", value)].Value;
            IsSubOfRef(parameter, infra.Dev.SharedJson.OfType(type).Single().Id);
        }
        IsSubOfRef(infra.Dev.Parameters[DeploymentNames.SharedParameter("dev", SharedValue.TokenClientId)].Value, infra.Dev.MachineClient.Id);
        IsSubOfRef(infra.Dev.Parameters[DeploymentNames.SharedParameter("dev", SharedValue.InteractiveClientId)].Value, infra.Dev.InteractiveClient.Id);
        // Both clients' ids, comma-joined, each never empty.
        var audiences = infra.Dev.Parameters[DeploymentNames.SharedParameter("dev", SharedValue.AuthAudience)].Value.GetProperty("Fn::Join");
        audiences[0].GetString().Should().Be(",");
        audiences[1].GetArrayLength().Should().Be(2);
        IsSubOfRef(audiences[1][0], infra.Dev.MachineClient.Id);
        IsSubOfRef(audiences[1][1], infra.Dev.InteractiveClient.Id);

        static void IsSubOfRef(JsonElement value, string logicalId)
        {
            var sub = value.GetProperty("Fn::Sub");
            sub[0].GetString().Should().Be("${Id}");
            TemplateJson.RefsIn(sub[1].GetProperty("Id")).Should().Equal(logicalId);
        }
    }

    [ToolFact("node")]
    public void Private_subnets_are_one_comma_joined_parameter_one_per_zone()
    {
        var value = infra.Dev.Parameters[DeploymentNames.SharedParameter("dev", SharedValue.PrivateSubnetIds)].Value;
        var join = value.GetProperty("Fn::Join");
        join[0].GetString().Should().Be(",");
        var subnets = join[1].EnumerateArray().Select(s => TemplateJson.ReferencedId(s)!).ToList();
        subnets.Should().HaveCount(Network.AvailabilityZones);
        foreach (var subnet in subnets)
            infra.Dev.SharedJson.Resource(subnet).GetProperty("Properties").GetProperty("MapPublicIpOnLaunch").GetBoolean().Should().BeFalse();

        // Readers split it into exactly as many subnets as there are zones.
        foreach (var service in infra.Dev.Services)
        {
            var template = infra.Dev.ServiceJson(service);
            var splits = Splits(template.Root)
                .Where(split => template.ParameterPathOf(split[1]) == DeploymentNames.SharedParameter("dev", SharedValue.PrivateSubnetIds))
                .ToList();
            splits.Should().NotBeEmpty(service.Name);
            splits.Should().AllSatisfy(split => split[0].GetString().Should().Be(",", service.Name));
            // CDK selects each of the AZ-count subnets from the split: indexes 0 .. AvailabilityZones-1, never beyond.
            Selects(template.Root).Where(select => Splits(select[1]).Any(split => template.ParameterPathOf(split[1]) is not null))
                .Select(select => select[0].GetInt32()).Distinct().Order()
                .Should().Equal(Enumerable.Range(0, Network.AvailabilityZones), service.Name);
        }
    }

    [ToolFact("node")]
    public void Service_stacks_read_only_parameters_the_shared_stack_or_a_used_service_writes()
    {
        var written = infra.Dev.Parameters;
        var sharedPaths = written.Where(p => p.Value.StackName == DeploymentNames.SharedStack("dev")).Select(p => p.Key).ToList();
        foreach (var service in infra.Dev.Services)
        {
            var template = infra.Dev.ServiceJson(service);
            var reads = template.ReadParameterPaths();
            var usedPaths = service.Uses.SelectMany(u => Enum.GetValues<ServiceValue>().Select(v => DeploymentNames.ServiceParameter("dev", u, v))).ToList();
            reads.Should().OnlyContain(path => sharedPaths.Contains(path) || usedPaths.Contains(path),
                $"{service.Name} reads only what the shared stack or a service it uses writes");
            if (usedPaths.Count > 0)
                reads.Should().Contain(usedPaths, $"{service.Name} needs the ALB DNS name and security group of each service it uses");
            // Not the cluster ARN (the ECS constructs need its name) nor the Cognito values (for the Token target, not services).
            SharedValue[] unread = [SharedValue.ClusterArn, SharedValue.UserPoolId, SharedValue.TokenClientId, SharedValue.TokenEndpoint, SharedValue.InteractiveClientId];
            reads.Should().Contain(sharedPaths.Where(p => !unread.Any(v => p == DeploymentNames.SharedParameter("dev", v))),
                "every service stack needs the VPC, subnets, cluster, API, VPC Link and its security group, authorizer, issuer, audience, endpoint and alarm topic");
            reads.Should().NotContain(unread.Select(v => DeploymentNames.SharedParameter("dev", v)));
            foreach (var path in reads)
                written[path].StackName.Should().NotBe(DeploymentNames.ServiceStack("dev", service.Name), "a stack does not read its own parameters");
            // Template parameters CloudFormation resolves at each deploy, not dynamic references (moto resolves none).
            template.Root.GetProperty("Parameters").EnumerateObject()
                .Where(p => template.SsmParameters().ContainsKey(p.Name))
                .Should().OnlyContain(p => p.Value.GetProperty("Type").GetString() == "AWS::SSM::Parameter::Value<String>");
            template.Text.Should().NotContain("{{resolve:", service.Name);
        }
        written.Keys.Should().OnlyContain(path => path.StartsWith("/apigw/dev/", StringComparison.Ordinal));
    }

    [ToolFact("node")]
    public void Service_stacks_read_what_they_use_instead_of_referencing_another_stack()
    {
        foreach (var (stack, template) in infra.Dev.ApplicationStacks)
        {
            // A CDK cross-stack reference would show up as an export/import of an "ExportsOutput..." name.
            template.Text.Should().NotContain("ExportsOutput", stack).And.NotContain("Fn::ImportValue", stack);
            var ids = template.Root.GetProperty("Resources").EnumerateObject().Select(r => r.Name)
                .Concat(template.Root.TryGetProperty("Parameters", out var parameters) ? parameters.EnumerateObject().Select(p => p.Name) : [])
                .ToHashSet();
            TemplateJson.RefsIn(template.Root).Where(r => !r.StartsWith("AWS::", StringComparison.Ordinal))
                .Should().OnlyContain(r => ids.Contains(r), $"{stack} refers only to its own resources and parameters");
        }
    }

    [ToolFact("node")]
    public void Cloud_assembly_lists_each_service_stack_after_the_shared_stack_and_the_stacks_of_the_services_it_uses()
    {
        var dependencies = infra.Dev.Dependencies;
        dependencies[DeploymentNames.RegistryStack("dev")].Should().BeEmpty();
        dependencies[DeploymentNames.SharedStack("dev")].Should().BeEmpty();
        foreach (var service in infra.Dev.Services)
            dependencies[DeploymentNames.ServiceStack("dev", service.Name)].Should().BeEquivalentTo(
                service.Uses.Select(u => DeploymentNames.ServiceStack("dev", u)).Prepend(DeploymentNames.SharedStack("dev")), service.Name);
    }

    [ToolFact("node")]
    public void A_new_service_adds_only_its_scope_and_its_dashboard_graphs_to_the_shared_stack_and_changes_no_other_service_stack()
    {
        // The resource server gets the new service's scope and both clients may ask for it, and the dashboard its routes' graphs;
        // nothing else of the shared stack changes.
        var three = JsonNode.Parse(infra.ThreeServices.SharedJson.Text)!;
        var dev = JsonNode.Parse(infra.Dev.SharedJson.Text)!;
        var scope = DeploymentNames.ServiceScope("dev", SynthesizedInfra.ThirdService);
        foreach (var (_, resource) in three["Resources"]!.AsObject())
        {
            var properties = resource!["Properties"] as JsonObject;
            if (properties?["Scopes"] is JsonArray scopes)
                scopes.Remove(scopes.Single(s => s!["ScopeName"]!.GetValue<string>() == SynthesizedInfra.ThirdService));
            if (properties?["AllowedOAuthScopes"] is JsonArray allowed)
                allowed.Remove(allowed.Single(s => s!.GetValue<string>() == scope));
        }
        var (threeWidgets, devWidgets) = (DashboardWidgets(three), DashboardWidgets(dev));
        threeWidgets.Where(w => !w.StartsWith($"{SynthesizedInfra.ThirdService}: ", StringComparison.Ordinal)).Should().Equal(devWidgets);
        threeWidgets.Count(w => w.StartsWith($"{SynthesizedInfra.ThirdService}: ", StringComparison.Ordinal)).Should().Be(3, "requests, errors and latency of its routes");
        foreach (var template in new[] { three, dev })
            template["Resources"]!.AsObject().Remove(template["Resources"]!.AsObject().Single(r => r.Value!["Type"]!.GetValue<string>() == "AWS::CloudWatch::Dashboard").Key);
        three.ToJsonString().Should().Be(dev.ToJsonString());
        foreach (var service in infra.Dev.Services)
            infra.ThreeServices.ServiceJson(service).Root.GetProperty("Resources").GetRawText()
                .Should().Be(infra.Dev.ServiceJson(service).Root.GetProperty("Resources").GetRawText(), service.Name);
    }

    [ToolFact("node")]
    public void Stacks_without_an_account_or_region_fit_every_region()
    {
        foreach (var path in infra.Dev.TemplatePaths)
        {
            var text = File.ReadAllText(path);
            text.Should().NotContain("123456789012").And.NotContain("us-east-1").And.NotContain("eu-west-1", path);
        }
    }

    /// <summary>The dashboard's widgets, each as its title and its properties without its place on the grid.</summary>
    static IReadOnlyList<string> DashboardWidgets(JsonNode template)
    {
        var dashboard = template["Resources"]!.AsObject().Single(r => r.Value!["Type"]!.GetValue<string>() == "AWS::CloudWatch::Dashboard").Value!;
        var body = string.Concat(dashboard["Properties"]!["DashboardBody"]!["Fn::Join"]![1]!.AsArray()
            .Select(part => part is JsonValue value ? value.GetValue<string>() : $"REF({part!["Ref"]!.GetValue<string>()})"));
        return JsonNode.Parse(body)!["widgets"]!.AsArray()
            .Select(w => $"{w!["properties"]!["title"]!.GetValue<string>()}: {w["properties"]!.ToJsonString()}")
            .ToList();
    }

    /// <summary>Every <c>Fn::Select</c> argument list anywhere inside <paramref name="value"/>.</summary>
    static IEnumerable<JsonElement> Selects(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object when value.TryGetProperty("Fn::Select", out var select) => [select],
        JsonValueKind.Object => value.EnumerateObject().SelectMany(p => Selects(p.Value)),
        JsonValueKind.Array => value.EnumerateArray().SelectMany(Selects),
        _ => [],
    };

    /// <summary>Every <c>Fn::Split</c> argument list anywhere inside <paramref name="value"/>.</summary>
    static IEnumerable<JsonElement> Splits(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object when value.TryGetProperty("Fn::Split", out var split) => [split],
        JsonValueKind.Object => value.EnumerateObject().SelectMany(p => Splits(p.Value)),
        JsonValueKind.Array => value.EnumerateArray().SelectMany(Splits),
        _ => [],
    };
}
