using Pipeline.Infra.Tests.Support;

namespace Pipeline.Infra.Tests.Stacks;

[Collection(SynthesizedInfraCollection.Name)]
public sealed class SecurityGroupTests(SynthesizedInfra infra)
{
    string VpcLinkSecurityGroup => TemplateJson.ReferencedId(
        infra.Dev.AppJson.OfType("AWS::ApiGatewayV2::VpcLink").Single().Properties.GetProperty("SecurityGroupIds")[0])!;

    [ToolFact("node")]
    public void Alb_accepts_traffic_only_from_the_vpc_link()
    {
        foreach (var service in infra.Dev.Services)
        {
            var callers = infra.Dev.Services.Where(s => s.Uses.Contains(service.Name))
                .Select(c => SecurityGroupOfService(c)).ToList();
            var sources = infra.Dev.AppJson.IngressSourcesOf(AlbSecurityGroup(service));

            sources.Should().Contain(VpcLinkSecurityGroup);
            sources.Except(callers).Should().OnlyContain(s => s == VpcLinkSecurityGroup,
                $"{service.Name}'s ALB may be reached by the VPC Link and by services that use it, nothing else");
        }
    }

    [ToolFact("node")]
    public void Services_that_use_another_may_reach_its_alb()
    {
        foreach (var caller in infra.Dev.Services.Where(s => s.Uses.Count > 0))
            foreach (var used in caller.Uses.Select(u => infra.Catalog[u]))
                infra.Dev.AppJson.IngressSourcesOf(AlbSecurityGroup(used)).Should().Contain(SecurityGroupOfService(caller));
    }

    [ToolFact("node")]
    public void Tasks_accept_traffic_only_from_their_alb()
    {
        foreach (var service in infra.Dev.Services)
            infra.Dev.AppJson.IngressSourcesOf(SecurityGroupOfService(service))
                .Should().NotBeEmpty().And.OnlyContain(s => s == AlbSecurityGroup(service));
    }

    [ToolFact("node")]
    public void Vpc_link_may_only_send_to_the_service_albs()
    {
        var link = infra.Dev.AppJson.Resource(VpcLinkSecurityGroup).GetProperty("Properties");
        if (link.TryGetProperty("SecurityGroupEgress", out var inline))
            inline.GetRawText().Should().NotContain("0.0.0.0/0");
        var destinations = infra.Dev.AppJson.OfType("AWS::EC2::SecurityGroupEgress")
            .Where(e => TemplateJson.ReferencedId(e.Properties.GetProperty("GroupId")) == VpcLinkSecurityGroup)
            .Select(e => TemplateJson.ReferencedId(e.Properties.GetProperty("DestinationSecurityGroupId")));
        destinations.Should().BeEquivalentTo(infra.Dev.Services.Select(AlbSecurityGroup));
    }

    string AlbSecurityGroup(Pipeline.Manifests.ServiceManifest service) =>
        TemplateJson.SecurityGroupsOf(infra.Dev.AppJson.Resource(infra.Dev.LoadBalancerOf(service)).GetProperty("Properties")).Single();

    string SecurityGroupOfService(Pipeline.Manifests.ServiceManifest service) =>
        TemplateJson.SecurityGroupsOf(infra.Dev.AppJson.Resource(infra.Dev.EcsServiceOf(service)).GetProperty("Properties")).Single();
}
