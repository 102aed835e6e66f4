using Pipeline.Build.Synthesis;

namespace Pipeline.Build.Reports;

/// <summary>
/// What a set of synthesized templates deploys, with every priced resource tied to the service it belongs to and
/// every component to the stack (template) it is declared in; <see cref="Stacks"/> are the templates' stack names.
/// Read by <see cref="ArchitectureReader"/>; both the cost estimate and the diagram are derived from it.
/// </summary>
public sealed record Architecture(
    NetworkLayout Network,
    IReadOnlyList<HttpApiLayout> Apis,
    IReadOnlyList<VpcLinkLayout> VpcLinks,
    IReadOnlyList<ServiceLayout> Services,
    IReadOnlyList<LoadBalancerLayout> LoadBalancers,
    IReadOnlyList<RepositoryLayout> Repositories,
    IReadOnlyList<LogGroupLayout> LogGroups,
    IReadOnlyList<AlarmLayout> Alarms,
    IReadOnlyList<ClusterLayout> Clusters,
    IReadOnlyList<TemplateResource> Resources,
    IReadOnlyList<string> Stacks);

/// <summary>A CloudWatch alarm: the service whose resources it watches, how many metrics it evaluates and at which resolution.</summary>
public sealed record AlarmLayout(string LogicalId, string? Service, int Metrics, bool HighResolution, string Stack);

/// <summary>An ECS cluster and whether Container Insights (billed as custom metrics) is on.</summary>
public sealed record ClusterLayout(string LogicalId, bool ContainerInsights, string Stack);

/// <summary>An API Gateway v2 API: its name, protocol (HTTP or WEBSOCKET) and routes, which may be declared in other stacks.</summary>
public sealed record HttpApiLayout(string LogicalId, string Name, string Protocol, IReadOnlyList<RouteLayout> Routes, string Stack);

/// <summary>An Elastic Load Balancing v2 load balancer: application, network or gateway; internal or internet-facing.</summary>
public sealed record LoadBalancerLayout(string LogicalId, string Type, string Scheme, string? Service, string Stack);

/// <summary>A CloudWatch log group, what writes to it, and how long it keeps events (null: forever).</summary>
public sealed record LogGroupLayout(string LogicalId, string Purpose, int? RetentionInDays, string? Service, string Stack);

/// <summary>The VPC as the templates declare it, and the stack of its (first) VPC.</summary>
public sealed record NetworkLayout(
    IReadOnlyList<string> VpcCidrs,
    int PublicSubnets,
    int PrivateSubnets,
    int IsolatedSubnets,
    int NatGateways,
    int PublicIpv4Addresses,
    int InternetGateways,
    string? Stack);

/// <summary>An ECR repository, how many images its lifecycle policy keeps (null: no count rule) and the service that pulls from it.</summary>
public sealed record RepositoryLayout(string LogicalId, string Name, int? KeepsImages, string? Service, string Stack);

/// <summary>Resources of one type that carry no price of their own, or that the estimate cannot price, and why.</summary>
public sealed record ResourceTally(string Type, int Count, string Reason);

/// <summary>One route of an HTTP API, the service whose load balancer it reaches (null when it reaches none) and the stack declaring it.</summary>
public sealed record RouteLayout(string RouteKey, string? Service, bool ThroughVpcLink, string Stack)
{
    /// <summary>The route's <c>AuthorizationType</c> (<c>JWT</c>, <c>NONE</c>, ...); API Gateway treats an absent one as <c>NONE</c>.</summary>
    public string Authorization { get; init; } = "NONE";

    /// <summary>Whether a caller needs no credentials on this route.</summary>
    public bool IsPublic => Authorization == "NONE";
}

/// <summary>
/// One ECS service with what it takes from its task definition, scalable target and load balancer.
/// Cpu is in CPU units (1024 = 1 vCPU) and Memory in MiB, as in the task definition. Uses: the services whose
/// load balancers its containers are given (by reference, in its own or through another stack).
/// </summary>
public sealed record ServiceLayout(
    string Name,
    string LogicalId,
    bool OnFargate,
    int Cpu,
    int Memory,
    int MinTasks,
    int MaxTasks,
    int? ContainerPort,
    int? TargetGroupPort,
    int? ListenerPort,
    string? HealthCheckPath,
    string Stack,
    IReadOnlyList<string> Uses);

/// <summary>A VPC link of an HTTP API and how many subnets it places its interfaces in.</summary>
public sealed record VpcLinkLayout(string LogicalId, int Subnets, string Stack);
