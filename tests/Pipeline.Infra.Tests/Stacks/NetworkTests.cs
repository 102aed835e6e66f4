using Pipeline.Infra.Tests.Support;

namespace Pipeline.Infra.Tests.Stacks;

[Collection(SynthesizedInfraCollection.Name)]
public sealed class NetworkTests(SynthesizedInfra infra)
{
    [ToolFact("node")]
    public void Vpc_uses_cidr_10_0_0_0_16() =>
        infra.Dev.Shared.HasResourceProperties("AWS::EC2::VPC", new Dictionary<string, object> { ["CidrBlock"] = "10.0.0.0/16" });

    [ToolFact("node")]
    public void Vpc_has_a_public_and_a_private_subnet_in_each_of_two_zones()
    {
        var subnets = infra.Dev.SharedJson.OfType("AWS::EC2::Subnet").Select(s => s.Properties).ToList();

        subnets.Should().HaveCount(4);
        subnets.Count(s => s.GetProperty("MapPublicIpOnLaunch").GetBoolean()).Should().Be(2);
        subnets.Select(s => s.GetProperty("AvailabilityZone").GetRawText()).Distinct().Should().HaveCount(2);
    }

    [ToolFact("node")]
    public void Availability_zones_come_from_GetAZs_not_hard_coded_names()
    {
        foreach (var (_, subnet) in infra.Dev.SharedJson.OfType("AWS::EC2::Subnet"))
        {
            var zone = subnet.GetProperty("AvailabilityZone");
            zone.ValueKind.Should().Be(System.Text.Json.JsonValueKind.Object, "a literal AZ name pins the template to one region");
            zone.GetRawText().Should().Contain("Fn::GetAZs");
        }
    }

    [ToolFact("node")]
    public void Only_the_shared_stack_holds_network_resources()
    {
        foreach (var service in infra.Dev.Services)
            infra.Dev.ServiceJson(service).Root.GetProperty("Resources").EnumerateObject()
                .Select(r => r.Value.GetProperty("Type").GetString())
                .Should().NotContain(["AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::NatGateway", "AWS::EC2::FlowLog", "AWS::ECS::Cluster"], service.Name);
    }

    [ToolFact("node")]
    public void Dev_profile_has_one_nat_gateway() =>
        infra.Dev.Shared.ResourceCountIs("AWS::EC2::NatGateway", 1);

    [ToolFact("node")]
    public void Prod_profile_has_one_nat_gateway_per_zone()
    {
        infra.Prod.Shared.ResourceCountIs("AWS::EC2::NatGateway", 2);
        infra.Prod.SharedJson.OfType("AWS::EC2::NatGateway")
            .Select(n => TemplateJson.ReferencedId(n.Properties.GetProperty("SubnetId")))
            .Distinct().Should().HaveCount(2);
    }

    [ToolFact("node")]
    public void Vpc_records_all_traffic_in_flow_logs()
    {
        var vpc = infra.Dev.SharedJson.OfType("AWS::EC2::VPC").Single().Id;
        infra.Dev.Shared.HasResourceProperties("AWS::EC2::FlowLog", new Dictionary<string, object>
        {
            ["ResourceId"] = new Dictionary<string, object> { ["Ref"] = vpc },
            ["ResourceType"] = "VPC",
            ["TrafficType"] = "ALL",
        });
    }
}
