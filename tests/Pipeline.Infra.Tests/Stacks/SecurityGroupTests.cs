using Pipeline.Infra.Tests.Support;
using Pipeline.Manifests;

namespace Pipeline.Infra.Tests.Stacks;

[Collection(SynthesizedInfraCollection.Name)]
public sealed class SecurityGroupTests(SynthesizedInfra infra)
{
    /// <summary>The VPC Link's security group as a service stack sees it: read from the shared stack's SSM parameter.</summary>
    static string VpcLinkSecurityGroupFromSsm => TemplateJson.FromParameter(DeploymentNames.SharedParameter("dev", SharedValue.VpcLinkSecurityGroupId));

    /// <summary>A service's ALB security group as the stacks of its callers see it: read from that service's SSM parameter.</summary>
    static string AlbSecurityGroupFromSsm(ServiceManifest service) =>
        TemplateJson.FromParameter(DeploymentNames.ServiceParameter("dev", service.Name, ServiceValue.AlbSecurityGroupId));

    string VpcLinkSecurityGroup => TemplateJson.ReferencedId(
        infra.Dev.SharedJson.OfType("AWS::ApiGatewayV2::VpcLink").Single().Properties.GetProperty("SecurityGroupIds")[0])!;

    [ToolFact("node")]
    public void Alb_accepts_traffic_only_from_the_vpc_link()
    {
        foreach (var service in infra.Dev.Services)
        {
            // In its own stack: the VPC Link (its group id read from the shared stack's parameter) and nothing else.
            var sources = infra.Dev.ServiceJson(service).IngressSourcesOf(infra.Dev.AlbSecurityGroupOf(service));
            sources.Should().Equal([VpcLinkSecurityGroupFromSsm], $"{service.Name}'s ALB may be reached by the VPC Link and by services that use it, nothing else");

            // In every other stack: only the tasks of services that use it.
            foreach (var other in infra.Dev.Services.Where(o => o != service))
            {
                var opened = infra.Dev.ServiceJson(other).IngressSourcesOf(AlbSecurityGroupFromSsm(service));
                if (other.Uses.Contains(service.Name))
                    opened.Should().Equal([infra.Dev.TaskSecurityGroupOf(other)], $"{other.Name} uses {service.Name}");
                else
                    opened.Should().BeEmpty($"{other.Name} does not use {service.Name}");
            }
            infra.Dev.SharedJson.IngressSourcesOf(AlbSecurityGroupFromSsm(service)).Should().BeEmpty();
        }
    }

    [ToolFact("node")]
    public void Services_that_use_another_may_reach_its_alb()
    {
        var callers = infra.Dev.Services.Where(s => s.Uses.Count > 0).ToList();
        callers.Should().NotBeEmpty("the manifests declare at least one 'uses' relation");
        foreach (var caller in callers)
            foreach (var used in caller.Uses.Select(u => infra.Catalog[u]))
            {
                infra.Dev.ServiceJson(caller).IngressSourcesOf(AlbSecurityGroupFromSsm(used)).Should().Contain(infra.Dev.TaskSecurityGroupOf(caller));
                var rule = infra.Dev.ServiceJson(caller).OfType("AWS::EC2::SecurityGroupIngress")
                    .Single(r => infra.Dev.ServiceJson(caller).SecurityGroupRef(r.Properties.GetProperty("GroupId")) == AlbSecurityGroupFromSsm(used)).Properties;
                rule.GetProperty("FromPort").GetInt32().Should().Be(used.Port);
                rule.GetProperty("ToPort").GetInt32().Should().Be(used.Port);
            }
    }

    [ToolFact("node")]
    public void A_service_that_uses_another_opens_only_the_albs_of_the_services_it_uses()
    {
        foreach (var environment in new[] { infra.Dev, infra.ThreeServices })
            foreach (var service in environment.Services)
                environment.ServiceJson(service).GroupsWithIngressRules()
                    .Where(g => g.StartsWith(TemplateJson.FromParameter(""), StringComparison.Ordinal) && g != VpcLinkSecurityGroupFromSsm)
                    .Should().BeEquivalentTo(service.Uses.Select(u => AlbSecurityGroupFromSsm(environment.Catalog[u])), service.Name);
    }

    [ToolFact("node")]
    public void Tasks_accept_traffic_only_from_their_alb()
    {
        foreach (var service in infra.Dev.Services)
            infra.Dev.ServiceJson(service).IngressSourcesOf(infra.Dev.TaskSecurityGroupOf(service))
                .Should().NotBeEmpty().And.OnlyContain(s => s == infra.Dev.AlbSecurityGroupOf(service));
    }

    [ToolFact("node")]
    public void Vpc_link_may_only_send_to_the_service_albs()
    {
        var link = infra.Dev.SharedJson.Resource(VpcLinkSecurityGroup).GetProperty("Properties");
        if (link.TryGetProperty("SecurityGroupEgress", out var inline))
            inline.GetRawText().Should().NotContain("0.0.0.0/0").And.NotContain("::/0");
        infra.Dev.SharedJson.EgressDestinationsOf(VpcLinkSecurityGroup).Should().BeEmpty("each service stack opens the way to its own ALB");

        // Each service stack: one egress rule on the VPC Link group (read from SSM), to its own ALB only.
        foreach (var service in infra.Dev.Services)
            infra.Dev.ServiceJson(service).EgressDestinationsOf(VpcLinkSecurityGroupFromSsm)
                .Should().Equal([infra.Dev.AlbSecurityGroupOf(service)], service.Name);
    }

    [ToolFact("node")]
    public void Security_groups_read_from_ssm_come_from_the_shared_stack_or_a_used_service()
    {
        foreach (var service in infra.Dev.Services)
        {
            var allowed = service.Uses.Select(u => AlbSecurityGroupFromSsm(infra.Catalog[u])).Append(VpcLinkSecurityGroupFromSsm).ToList();
            var template = infra.Dev.ServiceJson(service);
            template.GroupsWithIngressRules().Concat(template.OfType("AWS::EC2::SecurityGroupEgress")
                    .Select(e => template.SecurityGroupRef(e.Properties.GetProperty("GroupId"))!))
                .Where(g => g.StartsWith(TemplateJson.FromParameter(""), StringComparison.Ordinal))
                .Should().OnlyContain(g => allowed.Contains(g), service.Name);
        }
    }
}
