using System.Text.Json;
using Pipeline.Build.Synthesis;
using static Pipeline.Build.Reports.TemplateJson;

namespace Pipeline.Build.Reports;

/// <summary>
/// Reads synthesized CloudFormation templates into an <see cref="Architecture"/>. Links are followed through
/// the templates' own references (service → task definition → log group; service → target group → listener →
/// load balancer; route → integration → listener), so nothing depends on logical id spelling or service names.
/// </summary>
public static class ArchitectureReader
{
    public static Architecture Read(IReadOnlyList<JsonDocument> templates)
    {
        var stacks = templates.Select(TemplateResource.All).ToList();
        var all = stacks.SelectMany(s => s).ToList();

        var services = new List<ServiceLayout>();
        var images = new Dictionary<string, string>(StringComparer.Ordinal);
        var owners = new List<(IReadOnlyList<TemplateResource> Stack, string Service, HashSet<string> Ids)>();
        var serviceOfListener = new Dictionary<(int, string), string>();
        var serviceOfLoadBalancer = new Dictionary<(int, string), string>();
        var serviceOfLogGroup = new Dictionary<(int, string), string>();

        for (var s = 0; s < stacks.Count; s++)
        {
            var byId = stacks[s].ToDictionary(r => r.LogicalId, StringComparer.Ordinal);
            foreach (var ecsService in stacks[s].Where(r => r.Type == "AWS::ECS::Service").OrderBy(r => r.LogicalId, StringComparer.Ordinal))
            {
                var service = ReadService(ecsService, stacks[s], byId);
                services.Add(service.Layout);
                images[service.Layout.Name] = service.Image;
                owners.Add((stacks[s], service.Layout.Name, service.OwnedIds));
                if (service.ListenerId is { } listener) serviceOfListener[(s, listener)] = service.Layout.Name;
                if (service.LoadBalancerId is { } loadBalancer) serviceOfLoadBalancer[(s, loadBalancer)] = service.Layout.Name;
                if (service.LogGroupId is { } logGroup) serviceOfLogGroup[(s, logGroup)] = service.Layout.Name;
            }
        }

        var apis = new List<HttpApiLayout>();
        var vpcLinks = new List<VpcLinkLayout>();
        var loadBalancers = new List<LoadBalancerLayout>();
        var logGroups = new List<LogGroupLayout>();
        var repositories = new List<RepositoryLayout>();
        var alarms = new List<AlarmLayout>();
        var clusters = new List<ClusterLayout>();
        for (var s = 0; s < stacks.Count; s++)
        {
            var stack = stacks[s];
            var byId = stack.ToDictionary(r => r.LogicalId, StringComparer.Ordinal);
            var index = s;
            foreach (var api in OfType(stack, "AWS::ApiGatewayV2::Api"))
                apis.Add(new HttpApiLayout(
                    api.LogicalId,
                    String(api.Property("Name")) ?? api.LogicalId,
                    String(api.Property("ProtocolType")) ?? "HTTP",
                    ReadRoutes(api, stack, byId, listener => serviceOfListener.GetValueOrDefault((index, listener)))));
            foreach (var link in OfType(stack, "AWS::ApiGatewayV2::VpcLink"))
                vpcLinks.Add(new VpcLinkLayout(link.LogicalId, link.Items("SubnetIds").Count()));
            foreach (var balancer in OfType(stack, "AWS::ElasticLoadBalancingV2::LoadBalancer"))
                loadBalancers.Add(new LoadBalancerLayout(
                    balancer.LogicalId,
                    String(balancer.Property("Type")) ?? "application",
                    String(balancer.Property("Scheme")) ?? "internet-facing",
                    serviceOfLoadBalancer.GetValueOrDefault((s, balancer.LogicalId))));
            foreach (var group in OfType(stack, "AWS::Logs::LogGroup"))
            {
                var service = serviceOfLogGroup.GetValueOrDefault((s, group.LogicalId));
                logGroups.Add(new LogGroupLayout(group.LogicalId, service is null ? LogGroupPurpose(group, stack) : "service logs",
                    Integer(group.Property("RetentionInDays")), service));
            }
            foreach (var repository in OfType(stack, "AWS::ECR::Repository"))
            {
                var name = String(repository.Property("RepositoryName")) ?? repository.LogicalId;
                repositories.Add(new RepositoryLayout(repository.LogicalId, name, KeptImages(repository),
                    images.Where(i => PullsFrom(i.Value, name)).Select(i => i.Key).Order(StringComparer.Ordinal).FirstOrDefault()));
            }
            foreach (var alarm in OfType(stack, "AWS::CloudWatch::Alarm"))
            {
                var watched = ReferencedIds(alarm.Properties).ToHashSet(StringComparer.Ordinal);
                var owner = owners.Where(o => ReferenceEquals(o.Stack, stack) && o.Ids.Overlaps(watched)).Select(o => o.Service).FirstOrDefault();
                alarms.Add(ReadAlarm(alarm, owner));
            }
            foreach (var cluster in OfType(stack, "AWS::ECS::Cluster"))
                clusters.Add(new ClusterLayout(cluster.LogicalId, cluster.Items("ClusterSettings").Any(setting =>
                    String(Child(setting, "Name")) == "containerInsights" && String(Child(setting, "Value")) is "enabled" or "enhanced")));
        }

        return new Architecture(ReadNetwork(all), apis, vpcLinks, services.OrderBy(x => x.Name, StringComparer.Ordinal).ToList(),
            loadBalancers, repositories, logGroups, alarms, clusters, all);
    }

    sealed record ServiceReading(ServiceLayout Layout, string Image, HashSet<string> OwnedIds, string? ListenerId, string? LoadBalancerId, string? LogGroupId);

    static ServiceReading ReadService(TemplateResource service, IReadOnlyList<TemplateResource> stack, IReadOnlyDictionary<string, TemplateResource> byId)
    {
        var owned = new HashSet<string>(StringComparer.Ordinal) { service.LogicalId };
        var taskDefinition = Resolve(ReferencedId(service.Property("TaskDefinition")), byId);
        if (taskDefinition is not null) owned.Add(taskDefinition.LogicalId);

        var attachment = service.Items("LoadBalancers").Cast<JsonElement?>().FirstOrDefault();
        var containers = taskDefinition?.Items("ContainerDefinitions").ToList() ?? [];
        var containerName = String(Child(attachment, "ContainerName"));
        var container = containers.FirstOrDefault(c => String(Child(c, "Name")) == containerName);
        if (container.ValueKind == JsonValueKind.Undefined && containers.Count > 0) container = containers[0];
        var name = containerName ?? String(Child(container, "Name")) ?? service.LogicalId;

        var logGroupId = ReferencedId(Child(Child(Child(container, "LogConfiguration"), "Options"), "awslogs-group"));
        if (logGroupId is not null) owned.Add(logGroupId);

        var targetGroup = Resolve(ReferencedId(Child(attachment, "TargetGroupArn")), byId);
        TemplateResource? listener = null;
        TemplateResource? loadBalancer = null;
        if (targetGroup is not null)
        {
            owned.Add(targetGroup.LogicalId);
            listener = stack.Where(r => r.Type == "AWS::ElasticLoadBalancingV2::Listener")
                .FirstOrDefault(l => ReferencedIds(l.Property("DefaultActions")).Contains(targetGroup.LogicalId));
            if (listener is not null)
            {
                owned.Add(listener.LogicalId);
                loadBalancer = Resolve(ReferencedId(listener.Property("LoadBalancerArn")), byId);
                if (loadBalancer is not null) owned.Add(loadBalancer.LogicalId);
            }
        }

        var scalableTarget = stack.Where(r => r.Type == "AWS::ApplicationAutoScaling::ScalableTarget")
            .FirstOrDefault(t => ReferencedIds(t.Property("ResourceId")).Contains(service.LogicalId));
        if (scalableTarget is not null) owned.Add(scalableTarget.LogicalId);
        var desired = Integer(service.Property("DesiredCount")) ?? 1;

        var onFargate = String(service.Property("LaunchType")) == "FARGATE" ||
                        service.Items("CapacityProviderStrategy").Any(c => String(Child(c, "CapacityProvider"))?.StartsWith("FARGATE", StringComparison.Ordinal) == true) ||
                        (service.Property("LaunchType") is null && taskDefinition?.Items("RequiresCompatibilities").Any(c => c.GetString() == "FARGATE") == true);

        var layout = new ServiceLayout(
            name,
            service.LogicalId,
            onFargate,
            Integer(taskDefinition?.Property("Cpu")) ?? 0,
            Integer(taskDefinition?.Property("Memory")) ?? 0,
            Integer(scalableTarget?.Property("MinCapacity")) ?? desired,
            Integer(scalableTarget?.Property("MaxCapacity")) ?? desired,
            Integer(Child(attachment, "ContainerPort")),
            Integer(targetGroup?.Property("Port")),
            Integer(listener?.Property("Port")),
            String(targetGroup?.Property("HealthCheckPath")));
        return new ServiceReading(layout, LiteralText(Child(container, "Image")), owned, listener?.LogicalId, loadBalancer?.LogicalId, logGroupId);
    }

    static IReadOnlyList<RouteLayout> ReadRoutes(
        TemplateResource api, IReadOnlyList<TemplateResource> stack, IReadOnlyDictionary<string, TemplateResource> byId, Func<string, string?> serviceOfListener)
    {
        var routes = new List<RouteLayout>();
        foreach (var route in stack.Where(r => r.Type == "AWS::ApiGatewayV2::Route" && ReferencedId(r.Property("ApiId")) == api.LogicalId))
        {
            var integration = ReferencedIds(route.Property("Target")).Select(id => Resolve(id, byId))
                .FirstOrDefault(r => r?.Type == "AWS::ApiGatewayV2::Integration");
            var target = ReferencedId(integration?.Property("IntegrationUri"));
            routes.Add(new RouteLayout(
                String(route.Property("RouteKey")) ?? route.LogicalId,
                target is null ? null : serviceOfListener(target),
                String(integration?.Property("ConnectionType")) == "VPC_LINK"));
        }
        return routes.OrderBy(r => r.RouteKey, StringComparer.Ordinal).ToList();
    }

    static string LogGroupPurpose(TemplateResource group, IReadOnlyList<TemplateResource> stack)
    {
        bool Refers(TemplateResource r) => ReferencedIds(r.Properties).Contains(group.LogicalId);
        if (stack.Any(r => r.Type == "AWS::EC2::FlowLog" && Refers(r))) return "VPC flow logs";
        if (stack.Any(r => r.Type is "AWS::ApiGatewayV2::Stage" or "AWS::ApiGateway::Stage" && Refers(r))) return "API access logs";
        return "log group " + (String(group.Property("LogGroupName")) ?? group.LogicalId);
    }

    static AlarmLayout ReadAlarm(TemplateResource alarm, string? owner)
    {
        var queries = alarm.Items("Metrics").ToList();
        var metrics = queries.Count == 0 ? 1 : Math.Max(1, queries.Count(q => Child(q, "MetricStat") is not null));
        var periods = queries.Count == 0
            ? [Integer(alarm.Property("Period")) ?? 60]
            : queries.Select(q => Integer(Child(Child(q, "MetricStat"), "Period")) ?? Integer(Child(q, "Period")) ?? 60).ToList();
        return new AlarmLayout(alarm.LogicalId, owner, metrics, periods.Any(p => p < 60));
    }

    static int? KeptImages(TemplateResource repository)
    {
        var text = String(Child(repository.Property("LifecyclePolicy"), "LifecyclePolicyText"));
        if (text is null) return null;
        try
        {
            using var policy = JsonDocument.Parse(text);
            return Items(Child(policy.RootElement, "rules"))
                .Select(rule => Child(rule, "selection"))
                .Where(selection => String(Child(selection, "countType")) == "imageCountMoreThan" && String(Child(selection, "tagStatus")) is "any" or null)
                .Select(selection => Integer(Child(selection, "countNumber")))
                .FirstOrDefault(n => n is not null);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    static bool PullsFrom(string image, string repositoryName) =>
        image.Contains("/" + repositoryName + ":", StringComparison.Ordinal) ||
        image.Contains("/" + repositoryName + "@", StringComparison.Ordinal) ||
        image.EndsWith("/" + repositoryName, StringComparison.Ordinal);

    static NetworkLayout ReadNetwork(IReadOnlyList<TemplateResource> all)
    {
        var subnetTypes = OfType(all, "AWS::EC2::Subnet").Select(SubnetType).ToList();
        return new NetworkLayout(
            OfType(all, "AWS::EC2::VPC").Select(v => String(v.Property("CidrBlock")) ?? "(computed CIDR)").ToList(),
            subnetTypes.Count(t => t == "Public"),
            subnetTypes.Count(t => t == "Private"),
            subnetTypes.Count(t => t == "Isolated"),
            OfType(all, "AWS::EC2::NatGateway").Count(),
            OfType(all, "AWS::EC2::EIP").Count(),
            OfType(all, "AWS::EC2::InternetGateway").Count());
    }

    static string SubnetType(TemplateResource subnet)
    {
        var tagged = subnet.Items("Tags").Where(t => String(Child(t, "Key")) == "aws-cdk:subnet-type").Select(t => String(Child(t, "Value"))).FirstOrDefault();
        if (tagged is "Public" or "Private" or "Isolated") return tagged;
        return subnet.Property("MapPublicIpOnLaunch") is { ValueKind: JsonValueKind.True } ? "Public" : "Private";
    }

    static IEnumerable<TemplateResource> OfType(IEnumerable<TemplateResource> resources, string type) =>
        resources.Where(r => r.Type == type).OrderBy(r => r.LogicalId, StringComparer.Ordinal);

    static TemplateResource? Resolve(string? id, IReadOnlyDictionary<string, TemplateResource> byId) =>
        id is not null && byId.TryGetValue(id, out var resource) ? resource : null;
}
