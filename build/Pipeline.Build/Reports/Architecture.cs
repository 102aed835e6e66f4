using Pipeline.Build.Infra;

namespace Pipeline.Build.Reports;

/// <summary>
/// What a set of synthesized templates deploys, with every priced resource tied to the service it belongs to.
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
    IReadOnlyList<TemplateResource> Resources);
