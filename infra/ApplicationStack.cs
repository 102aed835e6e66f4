using Amazon.CDK;
using Amazon.CDK.AWS.ECS;
using Constructs;
using Pipeline.Manifests;

namespace Pipeline.Infra;

/// <summary>
/// Everything but the repositories: network, cluster, one ALB + Fargate service + alarms per service,
/// and the HTTP API in front. Repositories are found by name, so this stack does not import the registry stack's outputs.
/// </summary>
public sealed class ApplicationStack : Stack
{
    public ApplicationStack(Construct scope, InfraOptions options, ServiceCatalog catalog, IStackProps props)
        : base(scope, DeploymentNames.AppStack(options.Environment), props)
    {
        // Logs of a throw-away environment go with it; production keeps them after a stack delete.
        var logRemoval = options.Environment == "prod" ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

        var network = new Network(this, "Network", options.NatGateways, logRemoval);
        var cluster = new Cluster(this, "Cluster", new ClusterProps
        {
            Vpc = network.Vpc,
            ContainerInsights = true,
        });
        var gateway = new HttpGateway(this, "Gateway", network, options.Environment, logRemoval);

        // All ALBs first: a service's container needs the URLs of the services it calls.
        var loadBalancers = catalog.Services.ToDictionary(
            s => s.Name,
            s => new ServiceLoadBalancer(this, DeploymentNames.Pascal(s.Name) + "Alb", s, network));

        foreach (var service in catalog.Services)
        {
            var pascal = DeploymentNames.Pascal(service.Name);
            var loadBalancer = loadBalancers[service.Name];
            var calledUrls = service.Uses.ToDictionary(
                used => loadBalancers[used].Service.UrlVariableName,
                used => loadBalancers[used].BaseUrl);

            // A parameter (defaulting to the tag passed in) lets the pipeline roll a new image without a new template.
            var imageTag = new CfnParameter(this, DeploymentNames.ImageTagParameter(service.Name), new CfnParameterProps
            {
                Type = "String",
                Default = options.ImageTagFor(service.Name),
                AllowedPattern = InfraOptions.ImageTagPattern,
                Description = $"Immutable image tag of {service.Name} in {DeploymentNames.Repository(options.Environment, service.Name)}",
            });
            var tasks = new ServiceFargate(this, pascal + "Service", loadBalancer, calledUrls, cluster, network,
                options.Environment, imageTag.ValueAsString, logRemoval);
            foreach (var used in service.Uses)
                loadBalancers[used].AllowFrom(tasks.SecurityGroup, $"calls from {service.Name}");

            _ = new ServiceAlarms(this, pascal + "Alarms", loadBalancer, tasks, options.AlarmTopicArn);
            gateway.Route(loadBalancer);

            Output(DeploymentNames.ServiceNameOutput(service.Name), tasks.FargateService.ServiceName, $"ECS service of {service.Name}");
            Output(DeploymentNames.LogGroupOutput(service.Name), tasks.LogGroup.LogGroupName, $"Log group of {service.Name}");
            Output(DeploymentNames.LoadBalancerDnsOutput(service.Name), loadBalancer.LoadBalancer.LoadBalancerDnsName, $"Internal ALB of {service.Name}");
        }

        Output(DeploymentNames.ApiEndpointOutput, gateway.Endpoint, "Public endpoint of the HTTP API");
        Output(DeploymentNames.ClusterNameOutput, cluster.ClusterName, "ECS cluster");
    }

    void Output(string key, string value, string description) =>
        _ = new CfnOutput(this, key, new CfnOutputProps { Value = value, Description = description });
}
