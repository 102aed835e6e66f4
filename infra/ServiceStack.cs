using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Constructs;
using Pipeline.Manifests;
// Amazon.CDK.AWS.SSM also has a CfnParameterProps; only these are needed from it.
using ParameterTier = Amazon.CDK.AWS.SSM.ParameterTier;
using StringParameter = Amazon.CDK.AWS.SSM.StringParameter;
using StringParameterProps = Amazon.CDK.AWS.SSM.StringParameterProps;

namespace Pipeline.Infra;

/// <summary>
/// <c>apigw-&lt;env&gt;-&lt;service&gt;</c>: one service: its internal ALB, target group and security groups, task definition,
/// Fargate service, autoscaling, alarms, log group, and its routes and integrations on the shared HTTP API.
/// It reads the shared stack's SSM parameters (<see cref="SharedImports"/>) and, for each service it <c>uses</c>, that
/// service's ALB DNS name and security group from the used service's parameters
/// (<see cref="DeploymentNames.ServiceParameter"/>); it writes its own for its callers. Repositories are found by name,
/// so nothing is read from the registry stack.
/// </summary>
public sealed class ServiceStack : Stack
{
    public ServiceStack(Construct scope, InfraOptions options, ServiceCatalog catalog, ServiceManifest service, IStackProps props)
        : base(scope, DeploymentNames.ServiceStack(options.Environment, service.Name), props)
    {
        Service = service;
        var environment = options.Environment;
        var pascal = DeploymentNames.Pascal(service.Name);
        var shared = new SharedImports(this, "Shared", environment);

        // Construct ids keep the service prefix: logical ids stay those of the single-stack layout, and the pipeline
        // finds a service's resources by that prefix.
        LoadBalancer = new ServiceLoadBalancer(this, pascal + "Alb", environment, service, options.RolloutFor(service), shared.Vpc, shared.PrivateSubnets,
            options.DeletionProtection);

        var used = service.Uses.Select(name => catalog[name]).ToList();
        var calledUrls = used.ToDictionary(
            u => u.UrlVariableName,
            u => $"http://{Read(environment, u.Name, ServiceValue.LoadBalancerDns)}:{u.Port}");

        // A parameter (defaulting to the tag passed in) lets the pipeline roll a new image without a new template.
        var imageTag = new CfnParameter(this, DeploymentNames.ImageTagParameter(service.Name), new CfnParameterProps
        {
            Type = "String",
            Default = options.ImageTagFor(service.Name),
            AllowedPattern = InfraOptions.ImageTagPattern,
            Description = $"Immutable image tag of {service.Name} in {DeploymentNames.Repository(environment, service.Name)}",
        });
        // Autoscaling owns the running count: a literal DesiredCount would put a scaled-out service back to minTasks at
        // every deploy (every deploy updates the service). The pipeline passes the count the service runs with now.
        var desiredCount = new CfnParameter(this, DeploymentNames.DesiredCountParameter(service.Name), new CfnParameterProps
        {
            Type = "Number",
            Default = service.MinTasks,
            MinValue = 0,
            Description = $"Desired task count of {service.Name}. The pipeline fills it with the service's current desired count, " +
                          $"so a deploy keeps the capacity autoscaling chose ({service.MinTasks}-{service.MaxTasks} tasks); " +
                          "the default (minTasks) is for the first deploy.",
        });
        var api = new ApiAccess(shared.AuthIssuer, shared.AuthAudience, shared.ApiEndpoint, DeploymentNames.ServiceScope(environment, service.Name));
        Tasks = new ServiceFargate(this, pascal + "Service", LoadBalancer, calledUrls, api, shared.Cluster, shared.PrivateSubnets,
            environment, imageTag.ValueAsString, desiredCount.ValueAsNumber, InfraApp.LogRemoval(options));

        // Only the ALBs of the services this one uses admit its tasks: one ingress rule on each used ALB's security group.
        foreach (var callee in used)
        {
            var calleeAlb = SecurityGroup.FromSecurityGroupId(this, DeploymentNames.Pascal(callee.Name) + "AlbSecurityGroup",
                Read(environment, callee.Name, ServiceValue.AlbSecurityGroupId),
                new SecurityGroupImportOptions { AllowAllOutbound = false, Mutable = true });
            calleeAlb.Connections.AllowFrom(Tasks.SecurityGroup, Port.Tcp(callee.Port), $"calls from {service.Name}");
        }

        Alarms = new ServiceAlarms(this, pascal + "Alarms", environment, LoadBalancer, Tasks, shared.AlarmTopic);
        // The service names its deployment alarms (by their fixed names, so no reference and no cycle); creating them
        // first means the first deployment is already watched.
        Tasks.FargateService.Node.AddDependency(Alarms.DeploymentAlarms.ToArray());
        Routes = new ServiceRoutes(this, pascal + "Routes", LoadBalancer, shared);

        // For the stacks of the services that use this one.
        var parameters = new Construct(this, pascal + "Parameters");
        Publish(parameters, environment, ServiceValue.LoadBalancerDns, LoadBalancer.LoadBalancer.LoadBalancerDnsName, $"DNS name of {service.Name}'s internal ALB");
        Publish(parameters, environment, ServiceValue.AlbSecurityGroupId, LoadBalancer.SecurityGroup.SecurityGroupId,
            $"security group of {service.Name}'s ALB; the stacks of services that use {service.Name} admit their tasks to it");

        Output(DeploymentNames.ServiceNameOutput(service.Name), Tasks.FargateService.ServiceName, $"ECS service of {service.Name}");
        Output(DeploymentNames.LogGroupOutput(service.Name), Tasks.LogGroup.LogGroupName, $"Log group of {service.Name}");
        Output(DeploymentNames.LoadBalancerDnsOutput(service.Name), LoadBalancer.LoadBalancer.LoadBalancerDnsName, $"Internal ALB of {service.Name}");
        Output(DeploymentNames.AlbSecurityGroupOutput(service.Name), LoadBalancer.SecurityGroup.SecurityGroupId, $"Security group of {service.Name}'s ALB");
    }

    public ServiceManifest Service { get; }

    public ServiceLoadBalancer LoadBalancer { get; }

    public ServiceFargate Tasks { get; }

    public ServiceAlarms Alarms { get; }

    public ServiceRoutes Routes { get; }

    void Output(string key, string value, string description) =>
        _ = new CfnOutput(this, key, new CfnOutputProps { Value = value, Description = description });

    /// <summary>A value of a used service, read from its SSM parameter (one template parameter per path, shared by every reader in this stack).</summary>
    string Read(string environment, string service, ServiceValue value) =>
        StringParameter.ValueForStringParameter(this, DeploymentNames.ServiceParameter(environment, service, value));

    void Publish(Construct scope, string environment, ServiceValue value, string cfnValue, string description) =>
        _ = new StringParameter(scope, value.ToString(), new StringParameterProps
        {
            ParameterName = DeploymentNames.ServiceParameter(environment, Service.Name, value),
            StringValue = cfnValue,
            Description = $"apigw {environment}, {Service.Name}: {description}",
            Tier = ParameterTier.STANDARD,
        });
}
