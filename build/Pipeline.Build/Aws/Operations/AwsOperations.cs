using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws.Operations;

/// <summary>
/// Day-to-day looks at a running AWS environment, all read-only: Status (stacks, ECS counts, rollouts, URLs, then each
/// service's traffic: <see cref="EnvironmentTraffic"/>), Logs (<see cref="EnvironmentLogs"/>), Token (the environment's Cognito machine client), and Down's refusal, which says
/// how to delete an environment instead.
/// </summary>
public sealed class AwsOperations(AwsContext aws)
{
    string Environment => aws.Environment;

    public async Task StatusAsync(TextWriter output, CancellationToken cancellation)
    {
        var stacks = await aws.CloudFormation.DescribeAllStacksAsync(cancellation);
        if (!stacks.TryGetValue(aws.SharedStack, out var shared))
            throw new PipelineException($"Environment {Environment} is not deployed: stack {aws.SharedStack} does not exist. Run ./build.sh Deploy --profile <profile of {Environment}>.");
        var environment = aws.Deployed();
        var cluster = await environment.ClusterAsync(cancellation);
        var deployedServices = new List<DeployedService>();
        foreach (var service in aws.Settings.Catalog.Services.Where(s => stacks.ContainsKey(aws.ServiceStack(s.Name))))
            deployedServices.Add(await environment.ServiceAsync(service, cancellation));
        var (ecsServices, missing) = await new EcsClient(aws.Connection, aws.Http).DescribeServicesAsync(
            cluster, deployedServices.Select(s => s.EcsServiceName).ToList(), cancellation);
        output.WriteLine($"Stack {aws.SharedStack}: {shared.Status}   {aws.RegistryStack}: {stacks.GetValueOrDefault(aws.RegistryStack)?.Status ?? "missing"}");
        var endpoint = shared.Outputs.GetValueOrDefault(DeploymentNames.ApiEndpointOutput);
        var table = new TextTable("Service", "Stack", "Version", "Running", "Pending", "Desired", "Rollout", "URL");
        foreach (var service in aws.Settings.Catalog.Services)
        {
            var stack = stacks.GetValueOrDefault(aws.ServiceStack(service.Name));
            var name = deployedServices.FirstOrDefault(d => d.Manifest.Name == service.Name)?.EcsServiceName;
            var ecs = name is null ? null : ecsServices.FirstOrDefault(s => name.EndsWith(s.ServiceName, StringComparison.Ordinal));
            table.Add(service.Name, stack?.Status ?? "missing", stack?.Parameters.GetValueOrDefault(DeploymentNames.ImageTagParameter(service.Name)) ?? "-",
                ecs?.RunningCount.ToString() ?? "-", ecs?.PendingCount.ToString() ?? "-", ecs?.DesiredCount.ToString() ?? "-",
                ecs?.Primary?.RolloutState ?? (ecs is null ? "-" : ""),
                endpoint is { Length: > 0 } ? endpoint.TrimEnd('/') + service.RoutePrefix : "");
        }
        table.WriteTo(output);
        if (missing.Count > 0)
            output.WriteLine($"Not found in cluster {cluster}: {string.Join(", ", missing)}");
        if (deployedServices.Count == 0)
            return;
        output.WriteLine();
        foreach (var line in await TrafficLinesAsync(shared, deployedServices.Select(d => d.Manifest).ToList(), cancellation))
            output.WriteLine(line);
    }

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>
    /// The services' traffic figures (<see cref="EnvironmentTraffic"/>), or why there are none: Status still answers with its
    /// table when the metrics cannot be read.
    /// </summary>
    async Task<IReadOnlyList<string>> TrafficLinesAsync(StackDescription shared, IReadOnlyList<ServiceManifest> services, CancellationToken cancellation)
    {
        var apiId = EnvironmentTraffic.ApiIdOf(shared.Outputs.GetValueOrDefault(DeploymentNames.ApiEndpointOutput));
        if (apiId is null)
        {
            var apis = (await aws.CloudFormation.ListStackResourcesAsync(aws.SharedStack, cancellation)).Where(r => r.Type == "AWS::ApiGatewayV2::Api").ToList();
            if (apis.Count != 1)
                return [$"traffic figures unavailable: stack {aws.SharedStack} names no HTTP API (no {DeploymentNames.ApiEndpointOutput} output, {apis.Count} AWS::ApiGatewayV2::Api resources). " +
                        "Was it deployed by this pipeline? Run ./build.sh Deploy."];
            apiId = apis[0].PhysicalId;
        }
        try
        {
            var traffic = await new EnvironmentTraffic(new CloudWatchClient(aws.Connection, aws.Http)).ReadAsync(apiId, services, Clock.GetUtcNow(), cancellation);
            var lines = ServiceTrafficTable.Lines(traffic, $"API Gateway per-route metrics of HTTP API {apiId}").ToList();
            if (traffic.All(t => t.Requests == 0))
                lines.Add("No requests counted: none came in that time, or the API's stage publishes no per-route metrics (detailed metrics), " +
                          "which a Deploy of this version turns on: ./build.sh Deploy.");
            return lines;
        }
        catch (AwsServiceException e) when (e.StatusCode == 403 || e.ErrorCode.StartsWith("AccessDenied", StringComparison.Ordinal))
        {
            return [$"traffic figures unavailable: {e.ErrorCode}: {e.ErrorMessage.TrimEnd('.')}; the credentials Status runs with need cloudwatch:ListMetrics " +
                    "and cloudwatch:GetMetricData (on \"*\": neither has resource-level permissions)."];
        }
        catch (AwsServiceException e)
        {
            return [$"traffic figures unavailable: {e.Message}"];
        }
    }

    /// <summary><c>Logs</c>: the lines go to <paramref name="output"/>, what the user should know about them to <paramref name="notes"/> (stderr).</summary>
    public Task LogsAsync(LogQuery query, TextWriter output, TextWriter notes, CancellationToken cancellation) =>
        new EnvironmentLogs(aws, notes).ShowAsync(query, output, cancellation);

    /// <summary>The environment's Cognito machine client's token, or how to get one from the external provider (<see cref="EnvironmentToken"/>).</summary>
    public Task<string> AccessTokenAsync(IStepLog log, CancellationToken cancellation)
    {
        // Answered without calling AWS: the profile names the provider, and the pipeline holds no client there.
        if (aws.Settings.JwtIssuer is { } issuer)
            throw EnvironmentToken.ExternalIssuer(Environment, issuer, aws.Settings.JwtAudience);
        return new EnvironmentToken(new SsmClient(aws.Connection, aws.Http), new CognitoIdentityProviderClient(aws.Connection, aws.Http), aws.Http)
            .GetAsync(Environment, log, cancellation);
    }

    public static PipelineException DownRefused(string environment) => new(
        $"Down takes down the local platform only; it never deletes an AWS environment. To delete environment {environment}, " +
        $"run ./build.sh Destroy --profile <profile of {environment}> (see what it would delete first with --dry-run): it deletes the service stacks, " +
        $"then {DeploymentNames.SharedStack(environment)}, then {DeploymentNames.RegistryStack(environment)}.");
}
