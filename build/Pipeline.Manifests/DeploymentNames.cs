namespace Pipeline.Manifests;

/// <summary>
/// Names the CDK app gives things and the pipeline finds them by again: stacks, repositories,
/// template parameters and outputs. One place, so the two sides cannot drift apart.
/// </summary>
public static class DeploymentNames
{
    public static string RegistryStack(string environment) => $"apigw-{environment}-registry";

    public static string AppStack(string environment) => $"apigw-{environment}-app";

    /// <summary>ECR repository of a service, e.g. <c>apigw-dev/fastapi</c>.</summary>
    public static string Repository(string environment, string service) => $"{RepositoryNamespace(environment)}/{service}";

    public static string RepositoryNamespace(string environment) => $"apigw-{environment}";

    /// <summary>Template parameter that carries a service's image tag, so a new image needs no new template.</summary>
    public static string ImageTagParameter(string service) => "ImageTag" + Pascal(service);

    public const string ApiEndpointOutput = "ApiEndpoint";
    public const string ClusterNameOutput = "ClusterName";

    public static string RepositoryUriOutput(string service) => "RepositoryUri" + Pascal(service);

    public static string ServiceNameOutput(string service) => "ServiceName" + Pascal(service);

    public static string LogGroupOutput(string service) => "LogGroup" + Pascal(service);

    public static string LoadBalancerDnsOutput(string service) => "LoadBalancerDns" + Pascal(service);

    /// <summary><c>fastapi</c> → <c>Fastapi</c>, <c>order-api</c> → <c>OrderApi</c>: keys and logical ids allow letters and digits only.</summary>
    public static string Pascal(string service) =>
        string.Concat(service.Split('-', StringSplitOptions.RemoveEmptyEntries)
            .Select(part => char.ToUpperInvariant(part[0]) + part[1..]));
}
