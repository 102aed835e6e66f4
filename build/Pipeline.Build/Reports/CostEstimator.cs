using System.Globalization;

namespace Pipeline.Build.Reports;

/// <summary>
/// Prices what the templates deploy: every resource is either on a priced line, counted as free,
/// or listed as not priced with the reason; none is dropped.
/// </summary>
public static class CostEstimator
{
    /// <summary>Resource types the estimator prices (some variants of them may still end up as not priced).</summary>
    public static IReadOnlySet<string> PricedTypes { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "AWS::EC2::NatGateway",
        "AWS::EC2::EIP",
        "AWS::ApiGatewayV2::Api",
        "AWS::ApiGatewayV2::VpcLink",
        "AWS::ECS::Service",
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        "AWS::ECR::Repository",
        "AWS::Logs::LogGroup",
        "AWS::CloudWatch::Alarm",
    };

    /// <summary>Resource types that carry no charge of their own, with where their cost shows up if anywhere.</summary>
    public static IReadOnlyDictionary<string, string> FreeTypes { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["AWS::ApiGatewayV2::Authorizer"] = "part of the API's request price (JWT authorizers carry no charge of their own)",
        ["AWS::ApiGatewayV2::Integration"] = "part of the API's request price",
        ["AWS::ApiGatewayV2::Route"] = "part of the API's request price",
        ["AWS::ApiGatewayV2::Stage"] = "part of the API's request price",
        ["AWS::ApplicationAutoScaling::ScalableTarget"] = "no charge",
        ["AWS::ApplicationAutoScaling::ScalingPolicy"] = "no charge; its alarms are managed by AWS",
        ["AWS::CDK::Metadata"] = "no charge",
        ["AWS::Cognito::ManagedLoginBranding"] = "no charge (the style of the managed login pages)",
        ["AWS::Cognito::UserPool"] =
            "no charge without users; with the people an admin adds, priced per monthly active user beyond the Essentials plan's free tier",
        ["AWS::Cognito::UserPoolDomain"] = "no charge",
        ["AWS::Cognito::UserPoolResourceServer"] = "no charge",
        ["AWS::EC2::FlowLog"] = "no charge of its own; its records are priced as its log group's ingestion",
        ["AWS::EC2::InternetGateway"] = "no charge",
        ["AWS::EC2::Route"] = "no charge",
        ["AWS::EC2::RouteTable"] = "no charge",
        ["AWS::EC2::SecurityGroup"] = "no charge",
        ["AWS::EC2::SecurityGroupEgress"] = "no charge",
        ["AWS::EC2::SecurityGroupIngress"] = "no charge",
        ["AWS::EC2::Subnet"] = "no charge",
        ["AWS::EC2::SubnetRouteTableAssociation"] = "no charge",
        ["AWS::EC2::VPC"] = "no charge",
        ["AWS::EC2::VPCGatewayAttachment"] = "no charge",
        ["AWS::ECS::Cluster"] = "no charge (Container Insights, when on, is listed separately)",
        ["AWS::ECS::TaskDefinition"] = "no charge; its tasks are priced on the Fargate lines",
        ["AWS::ElasticLoadBalancingV2::Listener"] = "part of its load balancer's price",
        ["AWS::ElasticLoadBalancingV2::ListenerRule"] = "part of its load balancer's price",
        ["AWS::ElasticLoadBalancingV2::TargetGroup"] = "part of its load balancer's price",
        ["AWS::IAM::ManagedPolicy"] = "no charge",
        ["AWS::IAM::Policy"] = "no charge",
        ["AWS::IAM::Role"] = "no charge",
        ["AWS::SNS::Subscription"] = "no charge of its own",
        ["AWS::SNS::Topic"] = "no charge of its own; deliveries are priced per notification (e-mail: the first 1,000 a month are free), and alarms send few",
        ["AWS::SSM::Parameter"] = "no charge (standard parameter)",
    };

    /// <summary>Resource types with a charge the price table does not hold, with what it depends on.</summary>
    public static IReadOnlyDictionary<string, string> UnpricedTypes { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["AWS::CloudWatch::Dashboard"] =
            "a dashboard is free within the account's first few and billed per dashboard-month beyond them; the per-route metrics it shows are the " +
            "API stage's detailed metrics, billed as custom metrics, one set per route (Amazon CloudWatch pricing)",
        ["AWS::Cognito::UserPoolClient"] =
            "a machine-to-machine app client: Cognito charges per client-credentials client a month and per token request (Amazon Cognito pricing)",
    };

    public static CostEstimate Estimate(IReadOnlyList<StackTemplate> templates, PriceTable prices, UsageAssumptions usage) =>
        Estimate(ArchitectureReader.Read(templates), prices, usage);

    public static CostEstimate Estimate(Architecture architecture, PriceTable prices, UsageAssumptions usage)
    {
        var p = prices.Prices;
        var hours = prices.HoursPerMonth;
        var lines = new List<CostLine>();
        var notPriced = new List<ResourceTally>();
        void Add(string component, string? service, string quantity, decimal minimum, decimal maximum, Price price, string? note = null) =>
            lines.Add(new CostLine(component, service, quantity, Amount(minimum), Amount(maximum), note ?? $"{Rate(price.Usd)} {price.Unit}"));
        void AddFlat(string component, string? service, string quantity, decimal amount, Price price, string? note = null) =>
            Add(component, service, quantity, amount, amount, price, note);

        var network = architecture.Network;
        if (network.NatGateways > 0)
        {
            AddFlat("NAT gateway hours", null, $"{network.NatGateways} × {Number(hours)} h", network.NatGateways * hours * p.NatGatewayHour.Usd, p.NatGatewayHour);
            AddFlat("NAT gateway data", null, $"{Number(usage.DataTransferGb)} GB", usage.DataTransferGb * p.NatGatewayGb.Usd, p.NatGatewayGb);
        }
        if (network.PublicIpv4Addresses > 0)
            AddFlat("Public IPv4 (Elastic IPs)", null, $"{network.PublicIpv4Addresses} × {Number(hours)} h",
                network.PublicIpv4Addresses * hours * p.PublicIpv4Hour.Usd, p.PublicIpv4Hour);

        foreach (var api in architecture.Apis)
        {
            if (api.Protocol != "HTTP")
            {
                notPriced.Add(new ResourceTally($"AWS::ApiGatewayV2::Api ({api.Protocol})", 1, $"{api.Name}: only HTTP APIs are in the price table"));
                continue;
            }
            AddFlat($"HTTP API {api.Name} requests", null, $"{Number(usage.RequestsPerMonth / 1_000_000m)} M requests",
                usage.RequestsPerMonth / 1_000_000m * p.HttpApiMillionRequests.Usd, p.HttpApiMillionRequests);
        }
        foreach (var link in architecture.VpcLinks)
            AddFlat("VPC Link", null, $"1 × {Number(hours)} h", hours * p.VpcLinkHour.Usd, p.VpcLinkHour);

        foreach (var service in architecture.Services)
        {
            if (!service.OnFargate || service.Cpu <= 0 || service.Memory <= 0)
            {
                notPriced.Add(new ResourceTally("AWS::ECS::Service (not Fargate)", 1, $"{service.Name}: only Fargate tasks with a fixed Cpu and Memory are priced"));
                continue;
            }
            var vcpu = service.Cpu / 1024m;
            var memoryGb = service.Memory / 1024m;
            var perTask = hours * (vcpu * p.FargateVcpuHour.Usd + memoryGb * p.FargateGbHour.Usd);
            Add($"Fargate {service.Name}", service.Name,
                $"{service.MinTasks}–{service.MaxTasks} tasks × {Number(vcpu)} vCPU, {Number(memoryGb)} GB × {Number(hours)} h",
                service.MinTasks * perTask, service.MaxTasks * perTask, p.FargateVcpuHour,
                $"{Money(perTask)} per task-month ({Rate(p.FargateVcpuHour.Usd)}/vCPU-h, {Rate(p.FargateGbHour.Usd)}/GB-h)");
        }

        var perAlb = Amount(hours * (p.AlbHour.Usd + usage.AlbLcu * p.AlbLcuHour.Usd));
        var serviceAlbs = 0;
        foreach (var balancer in ServicesFirst(architecture.LoadBalancers, b => b.Service, b => b.LogicalId))
        {
            var label = balancer.Service ?? balancer.LogicalId;
            if (balancer.Type != "application")
            {
                notPriced.Add(new ResourceTally($"AWS::ElasticLoadBalancingV2::LoadBalancer ({balancer.Type})", 1, $"{label}: only Application Load Balancers are in the price table"));
                continue;
            }
            AddFlat($"ALB {label}", balancer.Service, $"{Number(hours)} h + {Number(usage.AlbLcu)} LCU × {Number(hours)} h",
                perAlb, p.AlbHour, $"{Rate(p.AlbHour.Usd)}/h + {Rate(p.AlbLcuHour.Usd)}/LCU-h");
            if (balancer.Service is not null)
                serviceAlbs++;
        }

        foreach (var repository in ServicesFirst(architecture.Repositories, r => r.Service, r => r.Name))
            AddFlat($"ECR {repository.Name}", repository.Service, $"{Number(usage.EcrStorageGb)} GB",
                usage.EcrStorageGb * p.EcrGbMonth.Usd, p.EcrGbMonth,
                $"{Rate(p.EcrGbMonth.Usd)}/GB-month{(repository.KeepsImages is { } keep ? $"; keeps the last {keep} images" : "; no image-count lifecycle rule")}");

        foreach (var group in ServicesFirst(architecture.LogGroups, g => g.Service, g => g.Purpose))
        {
            var storedGb = group.RetentionInDays is { } days
                ? usage.LogIngestionGb * Math.Min(days, 3653) * 24m / hours
                : usage.LogIngestionGb * 12m;
            var retention = group.RetentionInDays is { } d ? $"{d}-day retention" : "never expires: storage shown after 12 months and still growing";
            AddFlat($"Logs {group.Service ?? group.Purpose}", group.Service,
                $"{Number(usage.LogIngestionGb)} GB in, {Number(Math.Round(storedGb, 2))} GB stored",
                usage.LogIngestionGb * p.LogsIngestionGb.Usd + storedGb * p.LogsStorageGbMonth.Usd, p.LogsIngestionGb,
                $"{Rate(p.LogsIngestionGb.Usd)}/GB in + {Rate(p.LogsStorageGbMonth.Usd)}/GB-month stored; {retention}");
        }

        foreach (var owned in architecture.Alarms.GroupBy(a => a.Service).OrderBy(g => g.Key is null).ThenBy(g => g.Key, StringComparer.Ordinal))
        {
            var standard = owned.Where(a => !a.HighResolution).Sum(a => a.Metrics);
            var highResolution = owned.Where(a => a.HighResolution).Sum(a => a.Metrics);
            AddFlat($"Alarms {owned.Key ?? "shared"}", owned.Key,
                $"{owned.Count()} alarms, {standard + highResolution} metrics" + (highResolution > 0 ? $" ({highResolution} high-resolution)" : ""),
                standard * p.AlarmMetricMonth.Usd + highResolution * p.HighResolutionAlarmMetricMonth.Usd, p.AlarmMetricMonth);
        }

        var insights = architecture.Clusters.Count(c => c.ContainerInsights);
        if (insights > 0)
            notPriced.Add(new ResourceTally("AWS::ECS::Cluster (Container Insights)", insights,
                "Container Insights bills its per-cluster, per-service and per-task metrics as CloudWatch custom metrics; their number depends on the running tasks"));

        foreach (var byType in architecture.Resources.GroupBy(r => r.Type).Where(g => !PricedTypes.Contains(g.Key) && !FreeTypes.ContainsKey(g.Key)))
            notPriced.Add(new ResourceTally(byType.Key, byType.Count(), UnpricedTypes.GetValueOrDefault(byType.Key, "not in the price table; check its pricing page")));

        var free = architecture.Resources.GroupBy(r => r.Type)
            .Where(g => FreeTypes.ContainsKey(g.Key))
            .Select(g => new ResourceTally(g.Key, g.Count(), FreeTypes[g.Key]))
            .OrderBy(t => t.Type, StringComparer.Ordinal)
            .ToList();
        return new CostEstimate(prices, usage, lines, free, notPriced.OrderBy(t => t.Type, StringComparer.Ordinal).ToList(),
            new ServiceAlbCost(serviceAlbs, perAlb));
    }

    static IEnumerable<T> ServicesFirst<T>(IEnumerable<T> items, Func<T, string?> service, Func<T, string> name) =>
        items.OrderBy(i => service(i) is null).ThenBy(i => service(i) ?? name(i), StringComparer.Ordinal);

    /// <summary>
    /// Line amounts are kept to a millionth of a dollar: storage over retention divides by the days of a month,
    /// and unrounded repeating decimals would make sums depend on the order they were added in.
    /// </summary>
    public static decimal Amount(decimal usd) => Math.Round(usd, 6, MidpointRounding.AwayFromZero);

    /// <summary>An amount, to the cent.</summary>
    internal static string Money(decimal usd) => "$" + usd.ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>A unit price, with as many digits as the price list gives.</summary>
    internal static string Rate(decimal usd) => "$" + usd.ToString("0.00####", CultureInfo.InvariantCulture);

    internal static string Number(decimal value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}

/// <summary>What the templates cannot say: how much the system is used in a month.</summary>
public sealed record UsageAssumptions
{
    /// <summary>Requests through each HTTP API. Default 1,000,000.</summary>
    public decimal RequestsPerMonth { get; init; } = 1_000_000m;

    /// <summary>GB processed by the NAT gateways (image pulls, calls out of the VPC). Default 10.</summary>
    public decimal DataTransferGb { get; init; } = 10m;

    /// <summary>GB ingested by each log group. Default 5.</summary>
    public decimal LogIngestionGb { get; init; } = 5m;

    /// <summary>GB stored in each ECR repository, about five kept images. Default 0.5.</summary>
    public decimal EcrStorageGb { get; init; } = 0.5m;

    /// <summary>Average load balancer capacity units used by each ALB. Default 1.</summary>
    public decimal AlbLcu { get; init; } = 1m;

    public static UsageAssumptions Default { get; } = new();
}
