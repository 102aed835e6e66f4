using System.Text.Json;
using Pipeline.Build.Aws.Zones;
using Pipeline.Infra.Tests.Support;

namespace Pipeline.Infra.Tests.Stacks;

/// <summary>
/// With zone IDs (the prod profile here), every subnet names its zone by <c>AvailabilityZoneId</c>, in subnet order, and the
/// template names no zone any other way: NAT gateways, route tables, ALBs and the VPC Link follow their subnets.
/// </summary>
[Collection(SynthesizedInfraCollection.Name)]
public sealed class NetworkZoneIdTests(SynthesizedInfra infra)
{
    IReadOnlyList<(string Id, JsonElement Properties)> Subnets => infra.Prod.SharedJson.OfType("AWS::EC2::Subnet").ToList();

    [ToolFact("node")]
    public void Subnets_carry_the_given_zone_ids_in_order_and_no_zone_name()
    {
        Subnets.Should().HaveCount(4);
        foreach (var (id, subnet) in Subnets)
        {
            subnet.TryGetProperty("AvailabilityZone", out _).Should().BeFalse($"{id} names its zone by ID only");
            var expected = id.Contains("Subnet1Subnet", StringComparison.Ordinal) ? SynthesizedInfra.ProdZoneIds[0] : SynthesizedInfra.ProdZoneIds[1];
            subnet.GetProperty("AvailabilityZoneId").GetString().Should().Be(expected, id);
        }
    }

    [ToolFact("node")]
    public void No_zone_comes_from_GetAZs_and_every_zone_id_supports_VPC_links_in_us_east_1()
    {
        infra.Prod.SharedJson.Text.Should().NotContain("Fn::GetAZs");
        foreach (var (id, subnet) in Subnets)
            VpcLinkZones.Supports("us-east-1", subnet.GetProperty("AvailabilityZoneId").GetString()!).Should().BeTrue(id);
    }

    [ToolFact("node")]
    public void Each_zone_has_a_public_and_a_private_subnet_and_its_private_subnet_routes_to_the_NAT_gateway_of_its_own_zone()
    {
        string ZoneOf(string subnet) => infra.Prod.SharedJson.Resource(subnet).GetProperty("Properties").GetProperty("AvailabilityZoneId").GetString()!;
        Subnets.GroupBy(s => s.Properties.GetProperty("AvailabilityZoneId").GetString())
            .Select(g => g.Select(s => s.Properties.GetProperty("MapPublicIpOnLaunch").GetBoolean()).Order().ToList())
            .Should().AllSatisfy(kinds => kinds.Should().Equal(false, true));

        var natZone = infra.Prod.SharedJson.OfType("AWS::EC2::NatGateway")
            .ToDictionary(n => n.Id, n => ZoneOf(TemplateJson.ReferencedId(n.Properties.GetProperty("SubnetId"))!));
        natZone.Values.Should().BeEquivalentTo(SynthesizedInfra.ProdZoneIds);
        var routeTableZone = infra.Prod.SharedJson.OfType("AWS::EC2::SubnetRouteTableAssociation")
            .ToDictionary(a => TemplateJson.ReferencedId(a.Properties.GetProperty("RouteTableId"))!, a => ZoneOf(TemplateJson.ReferencedId(a.Properties.GetProperty("SubnetId"))!));
        var natRoutes = infra.Prod.SharedJson.OfType("AWS::EC2::Route").Where(r => r.Properties.TryGetProperty("NatGatewayId", out _)).ToList();
        natRoutes.Should().HaveCount(2);
        foreach (var (id, route) in natRoutes)
            natZone[TemplateJson.ReferencedId(route.GetProperty("NatGatewayId"))!]
                .Should().Be(routeTableZone[TemplateJson.ReferencedId(route.GetProperty("RouteTableId"))!], id);
    }

    [ToolFact("node")]
    public void The_VPC_link_and_the_published_private_subnets_are_the_subnets_placed_by_zone_id()
    {
        var privateSubnets = Subnets.Where(s => !s.Properties.GetProperty("MapPublicIpOnLaunch").GetBoolean()).Select(s => s.Id).ToList();
        var link = infra.Prod.SharedJson.OfType("AWS::ApiGatewayV2::VpcLink").Single().Properties;
        link.GetProperty("SubnetIds").EnumerateArray().Select(s => TemplateJson.ReferencedId(s)).Should().BeEquivalentTo(privateSubnets);
        TemplateJson.RefsIn(infra.Prod.SharedJson.PublishedParameters().Values.Single(p => p.GetRawText().Contains(privateSubnets[0], StringComparison.Ordinal)))
            .Should().Contain(privateSubnets);
    }

    [ToolFact("node")]
    public void Without_zone_ids_the_dev_profile_keeps_the_regions_first_zones() =>
        infra.Dev.SharedJson.OfType("AWS::EC2::Subnet").Should().AllSatisfy(s => s.Properties.GetProperty("AvailabilityZone").GetRawText().Should().Contain("Fn::GetAZs"));

    [Fact]
    public void The_pipeline_chooses_as_many_zones_as_the_VPC_spans() =>
        ZoneChooser.VpcZones.Should().Be(Network.AvailabilityZones);
}
