using System.Text.Json;
using Pipeline.Build.Synthesis;
using static Pipeline.Build.Reports.TemplateJson;

namespace Pipeline.Build.Reports;

/// <summary>
/// Reads synthesized CloudFormation templates into an <see cref="Architecture"/>. Links are followed through
/// the templates' own references (service → task definition → log group; service → target group → listener →
/// load balancer; route → integration → listener; a service's containers → the load balancers it calls, across stacks
/// through <see cref="CrossStackReferences"/>), so nothing depends on logical id spelling or service names.
/// </summary>
public static class ArchitectureReader
{
    public static Architecture Read(IReadOnlyList<StackTemplate> templates)
    {
        var names = templates.Select(t => t.Name).ToList();
        var stacks = templates.Select(t => TemplateResource.All(t.Template)).ToList();
        var all = stacks.SelectMany(s => s).ToList();
        var references = new CrossStackReferences(templates.Select(t => t.Template).ToList(), stacks);

        var readings = new List<(int Stack, ServiceReading Service)>();
        var images = new Dictionary<string, string>(StringComparer.Ordinal);
        var serviceOfListener = new Dictionary<(int, string), string>();
        var serviceOfLoadBalancer = new Dictionary<(int, string), string>();
        var serviceOfLogGroup = new Dictionary<(int, string), string>();
        for (var s = 0; s < stacks.Count; s++)
        {
            var byId = stacks[s].ToDictionary(r => r.LogicalId, StringComparer.Ordinal);
            foreach (var ecsService in OfType(stacks[s], "AWS::ECS::Service"))
            {
                var service = ReadService(ecsService, stacks[s], byId, names[s]);
                readings.Add((s, service));
                images[service.Layout.Name] = service.Image;
                if (service.ListenerId is { } listener) serviceOfListener[(s, listener)] = service.Layout.Name;
                if (service.LoadBalancerId is { } loadBalancer) serviceOfLoadBalancer[(s, loadBalancer)] = service.Layout.Name;
                if (service.LogGroupId is { } logGroup) serviceOfLogGroup[(s, logGroup)] = service.Layout.Name;
            }
        }
        var services = readings.Select(r => r.Service.Layout with
        {
            Uses = references.Targets(r.Stack, r.Service.Containers)
                .Select(target => serviceOfLoadBalancer.GetValueOrDefault(target))
                .OfType<string>().Where(used => used != r.Service.Layout.Name).Distinct().Order(StringComparer.Ordinal).ToList(),
        }).OrderBy(x => x.Name, StringComparer.Ordinal).ToList();

        var routes = new List<(int Stack, TemplateResource Resource, RouteLayout Layout)>();
        for (var s = 0; s < stacks.Count; s++)
        {
            var byId = stacks[s].ToDictionary(r => r.LogicalId, StringComparer.Ordinal);
            var index = s;
            foreach (var route in OfType(stacks[s], "AWS::ApiGatewayV2::Route"))
                routes.Add((s, route, ReadRoute(route, byId, listener => serviceOfListener.GetValueOrDefault((index, listener)), names[s])));
        }
        var apiResources = Enumerable.Range(0, stacks.Count).SelectMany(s => OfType(stacks[s], "AWS::ApiGatewayV2::Api").Select(api => (Stack: s, Api: api))).ToList();
        var apis = apiResources.Select(x => new HttpApiLayout(
            x.Api.LogicalId,
            String(x.Api.Property("Name")) ?? x.Api.LogicalId,
            String(x.Api.Property("ProtocolType")) ?? "HTTP",
            // Service stacks reach the shared API through an import or an SSM parameter; an environment has one API, so every
            // route of any of its templates is that API's. Only when there are several is each route's ApiId followed.
            routes.Where(r => apiResources.Count == 1 || references.Targets(r.Stack, r.Resource.Property("ApiId")).Contains((x.Stack, x.Api.LogicalId)))
                .Select(r => r.Layout).OrderBy(r => r.RouteKey, StringComparer.Ordinal).ThenBy(r => r.Stack, StringComparer.Ordinal).ToList(),
            names[x.Stack])).ToList();

        var vpcLinks = new List<VpcLinkLayout>();
        var loadBalancers = new List<LoadBalancerLayout>();
        var logGroups = new List<LogGroupLayout>();
        var repositories = new List<RepositoryLayout>();
        var alarms = new List<AlarmLayout>();
        var clusters = new List<ClusterLayout>();
        for (var s = 0; s < stacks.Count; s++)
        {
            var stack = stacks[s];
            var name = names[s];
            foreach (var link in OfType(stack, "AWS::ApiGatewayV2::VpcLink"))
                vpcLinks.Add(new VpcLinkLayout(link.LogicalId, link.Items("SubnetIds").Count(), name));
            foreach (var balancer in OfType(stack, "AWS::ElasticLoadBalancingV2::LoadBalancer"))
                loadBalancers.Add(new LoadBalancerLayout(
                    balancer.LogicalId,
                    String(balancer.Property("Type")) ?? "application",
                    String(balancer.Property("Scheme")) ?? "internet-facing",
                    serviceOfLoadBalancer.GetValueOrDefault((s, balancer.LogicalId)),
                    name));
            foreach (var group in OfType(stack, "AWS::Logs::LogGroup"))
            {
                var service = serviceOfLogGroup.GetValueOrDefault((s, group.LogicalId));
                logGroups.Add(new LogGroupLayout(group.LogicalId, service is null ? LogGroupPurpose(group, stack) : "service logs",
                    Integer(group.Property("RetentionInDays")), service, name));
            }
            foreach (var repository in OfType(stack, "AWS::ECR::Repository"))
            {
                var repositoryName = String(repository.Property("RepositoryName")) ?? repository.LogicalId;
                repositories.Add(new RepositoryLayout(repository.LogicalId, repositoryName, KeptImages(repository),
                    images.Where(i => PullsFrom(i.Value, repositoryName)).Select(i => i.Key).Order(StringComparer.Ordinal).FirstOrDefault(), name));
            }
            foreach (var alarm in OfType(stack, "AWS::CloudWatch::Alarm"))
            {
                var watched = ReferencedIds(alarm.Properties).ToHashSet(StringComparer.Ordinal);
                var owner = readings.Where(r => r.Stack == s && r.Service.OwnedIds.Overlaps(watched)).Select(r => r.Service.Layout.Name).FirstOrDefault();
                alarms.Add(ReadAlarm(alarm, owner, name));
            }
            foreach (var cluster in OfType(stack, "AWS::ECS::Cluster"))
                clusters.Add(new ClusterLayout(cluster.LogicalId, cluster.Items("ClusterSettings").Any(setting =>
                    String(Child(setting, "Name")) == "containerInsights" && String(Child(setting, "Value")) is "enabled" or "enhanced"), name));
        }

        var networkStack = stacks.FindIndex(stack => stack.Any(r => r.Type == "AWS::EC2::VPC"));
        return new Architecture(ReadNetwork(all, networkStack < 0 ? null : names[networkStack]), apis, vpcLinks, services,
            loadBalancers, repositories, logGroups, alarms, clusters, all, names);
    }

    sealed record ServiceReading(
        ServiceLayout Layout, string Image, JsonElement? Containers, HashSet<string> OwnedIds, string? ListenerId, string? LoadBalancerId, string? LogGroupId);

    static ServiceReading ReadService(TemplateResource service, IReadOnlyList<TemplateResource> stack, IReadOnlyDictionary<string, TemplateResource> byId, string stackName)
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
            // A traffic-shifting service's listener forwards nothing itself: its rules forward to both target groups.
            var rules = stack.Where(r => r.Type == "AWS::ElasticLoadBalancingV2::ListenerRule" &&
                                         ReferencedIds(r.Property("Actions")).Contains(targetGroup.LogicalId)).ToList();
            foreach (var rule in rules)
            {
                owned.Add(rule.LogicalId);
                foreach (var other in ReferencedIds(rule.Property("Actions")))
                    owned.Add(other);
            }
            listener ??= rules.Select(r => Resolve(ReferencedId(r.Property("ListenerArn")), byId)).FirstOrDefault(l => l is not null);
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
            String(targetGroup?.Property("HealthCheckPath")),
            stackName,
            []);
        return new ServiceReading(layout, LiteralText(Child(container, "Image")), taskDefinition?.Property("ContainerDefinitions"), owned,
            listener?.LogicalId, loadBalancer?.LogicalId, logGroupId);
    }

    /// <summary>A route with its integration and the listener that integration targets, all three in the route's own stack.</summary>
    static RouteLayout ReadRoute(
        TemplateResource route, IReadOnlyDictionary<string, TemplateResource> byId, Func<string, string?> serviceOfListener, string stackName)
    {
        var integration = ReferencedIds(route.Property("Target")).Select(id => Resolve(id, byId))
            .FirstOrDefault(r => r?.Type == "AWS::ApiGatewayV2::Integration");
        var target = ReferencedId(integration?.Property("IntegrationUri"));
        return new RouteLayout(
            String(route.Property("RouteKey")) ?? route.LogicalId,
            target is null ? null : serviceOfListener(target),
            String(integration?.Property("ConnectionType")) == "VPC_LINK",
            stackName)
        {
            Authorization = String(route.Property("AuthorizationType")) ?? "NONE",
        };
    }

    static string LogGroupPurpose(TemplateResource group, IReadOnlyList<TemplateResource> stack)
    {
        bool Refers(TemplateResource r) => ReferencedIds(r.Properties).Contains(group.LogicalId);
        if (stack.Any(r => r.Type == "AWS::EC2::FlowLog" && Refers(r))) return "VPC flow logs";
        if (stack.Any(r => r.Type is "AWS::ApiGatewayV2::Stage" or "AWS::ApiGateway::Stage" && Refers(r))) return "API access logs";
        return "log group " + (String(group.Property("LogGroupName")) ?? group.LogicalId);
    }

    static AlarmLayout ReadAlarm(TemplateResource alarm, string? owner, string stackName)
    {
        var queries = alarm.Items("Metrics").ToList();
        var metrics = queries.Count == 0 ? 1 : Math.Max(1, queries.Count(q => Child(q, "MetricStat") is not null));
        var periods = queries.Count == 0
            ? [Integer(alarm.Property("Period")) ?? 60]
            : queries.Select(q => Integer(Child(Child(q, "MetricStat"), "Period")) ?? Integer(Child(q, "Period")) ?? 60).ToList();
        return new AlarmLayout(alarm.LogicalId, owner, metrics, periods.Any(p => p < 60), stackName);
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

    static NetworkLayout ReadNetwork(IReadOnlyList<TemplateResource> all, string? stackName)
    {
        var subnetTypes = OfType(all, "AWS::EC2::Subnet").Select(SubnetType).ToList();
        return new NetworkLayout(
            OfType(all, "AWS::EC2::VPC").Select(v => String(v.Property("CidrBlock")) ?? "(computed CIDR)").ToList(),
            subnetTypes.Count(t => t == "Public"),
            subnetTypes.Count(t => t == "Private"),
            subnetTypes.Count(t => t == "Isolated"),
            OfType(all, "AWS::EC2::NatGateway").Count(),
            OfType(all, "AWS::EC2::EIP").Count(),
            OfType(all, "AWS::EC2::InternetGateway").Count(),
            stackName);
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
