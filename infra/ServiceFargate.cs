using System.Globalization;
using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECR;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.Logs;
using Constructs;
using Pipeline.Manifests;

namespace Pipeline.Infra;

/// <summary>
/// A service's Fargate tasks: the container as the manifest describes it, the ECS service that rolls it
/// out safely behind its ALB with the manifest's strategy (<see cref="ServiceDeploymentStrategy"/>; deployment alarms that
/// roll back, and for rolling the circuit breaker too), CPU autoscaling and its log group.
/// </summary>
public sealed class ServiceFargate : Construct
{
    /// <summary>Tasks run as this unprivileged user; the images make their files readable by it (and own the scratch path).</summary>
    public const string RunAsUser = ServiceContainer.User;

    public const int CpuTargetPercent = 70;

    public const string ScratchVolume = "tmp";

    /// <summary>The issuer the API trusts, for services that validate tokens themselves (the MCP server does, as defence in depth).</summary>
    public const string AuthIssuerVariable = "AUTH_ISSUER";

    /// <summary>The audiences accepted tokens may carry, comma-separated (with Cognito: the machine and the interactive client's ids).</summary>
    public const string AuthAudienceVariable = "AUTH_AUDIENCE";

    /// <summary>The scope a token needs to call this service (<c>apigw-&lt;env&gt;/&lt;service&gt;</c>), the one its routes require.</summary>
    public const string AuthScopeVariable = "AUTH_SCOPE";

    /// <summary>The API's public origin (<c>https://{api}.execute-api...</c>); services build absolute URLs from it, e.g. OAuth metadata.</summary>
    public const string PublicBaseUrlVariable = "PUBLIC_BASE_URL";

    public ServiceFargate(
        Construct scope,
        string id,
        ServiceLoadBalancer loadBalancer,
        IReadOnlyDictionary<string, string> calledServiceUrls,
        ApiAccess api,
        ICluster cluster,
        SubnetSelection subnets,
        string environment,
        string imageTag,
        double desiredCount,
        RemovalPolicy logRemoval) : base(scope, id)
    {
        var service = loadBalancer.Service;
        var rollout = loadBalancer.Rollout;

        LogGroup = new LogGroup(this, "Logs", new LogGroupProps
        {
            Retention = RetentionDays.ONE_WEEK,
            RemovalPolicy = logRemoval,
        });

        var taskDefinition = new FargateTaskDefinition(this, "Task", new FargateTaskDefinitionProps
        {
            Cpu = service.Cpu,
            MemoryLimitMiB = service.Memory,
            RuntimePlatform = new RuntimePlatform
            {
                OperatingSystemFamily = OperatingSystemFamily.LINUX,
                CpuArchitecture = CpuArchitecture.X86_64,
            },
        });

        var repository = Repository.FromRepositoryName(this, "Repository", DeploymentNames.Repository(environment, service.Name));
        var container = taskDefinition.AddContainer("App", new ContainerDefinitionOptions
        {
            ContainerName = service.Name,
            Image = ContainerImage.FromEcrRepository(repository, imageTag),
            Essential = true,
            User = RunAsUser,
            ReadonlyRootFilesystem = service.ReadOnlyRootFilesystem,
            Environment = ContainerEnvironment(service, calledServiceUrls, api),
            PortMappings = [new PortMapping { ContainerPort = service.Port, Protocol = Amazon.CDK.AWS.ECS.Protocol.TCP }],
            Logging = LogDriver.AwsLogs(new AwsLogDriverProps
            {
                LogGroup = LogGroup,
                StreamPrefix = service.Name,
                Mode = AwsLogDriverMode.NON_BLOCKING,
            }),
            HealthCheck = new Amazon.CDK.AWS.ECS.HealthCheck
            {
                // Images ship no curl; each ships this probe of http://127.0.0.1:$PORT$HEALTH_PATH.
                Command = ["CMD", "/usr/local/bin/healthcheck"],
                Interval = Duration.Seconds(RolloutTimings.ContainerHealthIntervalSeconds),
                Timeout = Duration.Seconds(RolloutTimings.ContainerHealthTimeoutSeconds),
                Retries = RolloutTimings.ContainerHealthRetries,
                StartPeriod = Duration.Seconds(RolloutTimings.ContainerHealthStartPeriodSeconds),
            },
        });
        ServiceSecrets.Apply(taskDefinition, service, environment);
        if (service.ReadOnlyRootFilesystem)
        {
            // A read-only root still needs somewhere to put temp files; task storage is private to the task. Fargate creates
            // this bind mount root-owned (0755) unless the image declares the path a VOLUME: then it copies the image's
            // directory, which the Dockerfiles give to the service's user (ServiceContainer.ScratchPath).
            taskDefinition.AddVolume(new Amazon.CDK.AWS.ECS.Volume { Name = ScratchVolume });
            container.AddMountPoints(new MountPoint { SourceVolume = ScratchVolume, ContainerPath = ServiceContainer.ScratchPath, ReadOnly = false });
        }

        SecurityGroup = new SecurityGroup(this, "SecurityGroup", new SecurityGroupProps
        {
            Vpc = cluster.Vpc,
            Description = $"Tasks of {service.Name}: reachable only from its ALB",
            // Tasks pull images and call AWS APIs through the NAT gateway.
            AllowAllOutbound = true,
        });

        FargateService = new FargateService(this, "Service", new FargateServiceProps
        {
            Cluster = cluster,
            TaskDefinition = taskDefinition,
            // A template parameter, never a literal: autoscaling owns the count (see ServiceStack).
            DesiredCount = desiredCount,
            MinHealthyPercent = 100,
            MaxHealthyPercent = 200,
            // ECS's own controller: the one its rolling, blue/green, canary and linear strategies all run under.
            DeploymentController = new DeploymentController { Type = DeploymentControllerType.ECS },
            // The circuit breaker (tasks that never get healthy) is a rolling update's; ECS documents it for that strategy
            // only. A traffic-shifting deployment is judged by its alarms and keeps the old version for the bake time instead.
            CircuitBreaker = rollout.ShiftsTraffic ? null : new DeploymentCircuitBreaker { Enable = true, Rollback = true },
            // ECS watches the deployment alarms (ServiceAlarms, named by DeploymentNames) during a deployment and rolls it
            // back when one goes off: this catches a release whose health check passes but whose routes fail. Rolling: the
            // two alarms watch the whole target group, old tasks included, so the old tasks' traffic dilutes a bad release's
            // 5xx and an old task that fails can roll back a good one. Every other strategy puts the new version in a target
            // group of its own (TrafficShifting), and each target group has its own error-rate, p95-latency and
            // unhealthy-host alarms, so the new version is judged on its own requests.
            DeploymentAlarms = new DeploymentAlarmConfig
            {
                AlarmNames = [.. DeploymentNames.DeploymentAlarms(environment, service.Name, rollout)],
                Behavior = AlarmBehavior.ROLLBACK_ON_ALARM,
            },
            HealthCheckGracePeriod = Duration.Seconds(RolloutTimings.HealthCheckGracePeriodSeconds),
            VpcSubnets = subnets,
            AssignPublicIp = false,
            SecurityGroups = [SecurityGroup],
            EnableExecuteCommand = false,
        });
        // Registers the tasks and lets the ALB (and only the ALB) reach them on the service port.
        loadBalancer.TargetGroup.AddTarget(FargateService);
        DeploymentStrategy = new ServiceDeploymentStrategy(this, "DeploymentStrategy", (CfnService)FargateService.Node.DefaultChild!,
            new ServiceDeploymentStrategyProps { Rollout = rollout, AlternateTarget = loadBalancer.Shifting?.AlternateTarget });

        var scaling = FargateService.AutoScaleTaskCount(new Amazon.CDK.AWS.ApplicationAutoScaling.EnableScalingProps
        {
            MinCapacity = service.MinTasks,
            MaxCapacity = service.MaxTasks,
        });
        scaling.ScaleOnCpuUtilization("Cpu", new CpuUtilizationScalingProps
        {
            TargetUtilizationPercent = CpuTargetPercent,
            ScaleOutCooldown = Duration.Seconds(60),
            ScaleInCooldown = Duration.Seconds(300),
        });
    }

    public LogGroup LogGroup { get; }

    public SecurityGroup SecurityGroup { get; }

    public FargateService FargateService { get; }

    public ServiceDeploymentStrategy DeploymentStrategy { get; }

    static Dictionary<string, string> ContainerEnvironment(ServiceManifest service, IReadOnlyDictionary<string, string> calledServiceUrls, ApiAccess api)
    {
        // Sorted, so the same manifests always give the same template.
        var environment = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in service.Environment)
            environment[name] = value;
        foreach (var (name, url) in calledServiceUrls)
            environment[name] = url;
        environment["ROOT_PATH"] = service.RoutePrefix;
        environment["PORT"] = service.Port.ToString(CultureInfo.InvariantCulture);
        environment["BIND_ADDRESS"] = "0.0.0.0";
        environment["HEALTH_PATH"] = service.HealthPath;
        environment[AuthIssuerVariable] = api.Issuer;
        environment[AuthAudienceVariable] = api.Audience;
        environment[AuthScopeVariable] = api.Scope;
        environment[PublicBaseUrlVariable] = api.PublicBaseUrl;
        return new Dictionary<string, string>(environment);
    }
}

/// <summary>
/// How callers reach the service and what their tokens look like: issuer, audiences and public URL read from the shared
/// stack's parameters, the scope the service's routes require.
/// </summary>
public sealed record ApiAccess(string Issuer, string Audience, string PublicBaseUrl, string Scope);
