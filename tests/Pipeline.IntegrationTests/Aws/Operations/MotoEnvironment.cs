using System.Globalization;
using System.Text.Json.Nodes;
using Pipeline.Build.Aws;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Deployment;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.Aws.Operations;

/// <summary>
/// An environment's stacks as a Deploy leaves them, for the looks at a running environment (Status, Logs): made in moto with
/// CreateStack, whose outputs moto fills (after a change set it leaves them empty). The shared stack has the cluster, the
/// access log group and the API endpoint; each service stack its log group. Log lines and metric datapoints go straight into
/// moto, as the services, API Gateway and CloudWatch would write them.
/// </summary>
sealed class MotoEnvironment(AwsConnection connection, HttpClient http, string environment, IReadOnlyList<ServiceManifest> services)
{
    readonly AwsJsonClient logs = new(connection, AwsService.CloudWatchLogs, "Logs_20140328", http);

    public string Environment => environment;

    public IReadOnlyList<ServiceManifest> Services => services;

    /// <summary>The HTTP API's id, as its endpoint output names it.</summary>
    public string ApiId { get; } = "a" + Guid.NewGuid().ToString("N")[..9];

    public string AccessLogGroup => $"{DeploymentNames.SharedStack(environment)}-AccessLogs";

    public string LogGroupOf(string service) => $"{DeploymentNames.ServiceStack(environment, service)}-Logs";

    /// <param name="withAccessLogOutput">False: a shared stack deployed before it had the access log group output.</param>
    public static async Task<MotoEnvironment> CreateAsync(AwsConnection connection, HttpClient http, IReadOnlyList<ServiceManifest> services, bool withAccessLogOutput = true)
    {
        var deployed = new MotoEnvironment(connection, http, "t" + Guid.NewGuid().ToString("N")[..8], services);
        var shared = new JsonObject
        {
            ["Cluster"] = new JsonObject { ["Type"] = "AWS::ECS::Cluster", ["Properties"] = new JsonObject { ["ClusterName"] = $"{DeploymentNames.SharedStack(deployed.Environment)}-Cluster" } },
            ["AccessLogs"] = LogGroup(deployed.AccessLogGroup),
        };
        var outputs = new JsonObject
        {
            [DeploymentNames.ClusterNameOutput] = Ref("Cluster"),
            [DeploymentNames.ApiEndpointOutput] = new JsonObject { ["Value"] = $"https://{deployed.ApiId}.execute-api.{MotoServer.Region}.amazonaws.com" },
        };
        if (withAccessLogOutput)
            outputs[DeploymentNames.AccessLogGroupOutput] = Ref("AccessLogs");
        await deployed.CreateStackAsync(DeploymentNames.SharedStack(deployed.Environment), shared, outputs);
        foreach (var service in services)
            await deployed.CreateStackAsync(DeploymentNames.ServiceStack(deployed.Environment, service.Name),
                new JsonObject { ["Logs"] = LogGroup(deployed.LogGroupOf(service.Name)) },
                new JsonObject
                {
                    [DeploymentNames.LogGroupOutput(service.Name)] = Ref("Logs"),
                    [DeploymentNames.ServiceNameOutput(service.Name)] = new JsonObject { ["Value"] = $"{DeploymentNames.ServiceStack(deployed.Environment, service.Name)}-Service" },
                });
        return deployed;
    }

    /// <summary>The run's context on this environment, every call through <paramref name="endpoint"/> (moto, or the fault proxy in front of it).</summary>
    public AwsContext Context(Uri endpoint) => new(new DeploySettings
    {
        RootDirectory = Path.GetTempPath(),
        ArtifactsDirectory = Path.GetTempPath(),
        Catalog = new ServiceCatalog(services),
        Environment = environment,
        DryRun = false,
    }, MotoServer.Connection(endpoint));

    /// <summary>Lines into one stream of <paramref name="group"/>, each with the time CloudWatch Logs received it.</summary>
    public async Task PutLinesAsync(string group, string stream, params (DateTimeOffset Received, string Message)[] lines)
    {
        try
        {
            await logs.CallAsync("CreateLogStream", new JsonObject { ["logGroupName"] = group, ["logStreamName"] = stream }, default);
        }
        catch (AwsServiceException e) when (e.ErrorCode == "ResourceAlreadyExistsException")
        {
        }
        await logs.CallAsync("PutLogEvents", new JsonObject
        {
            ["logGroupName"] = group,
            ["logStreamName"] = stream,
            ["logEvents"] = new JsonArray(lines.OrderBy(l => l.Received)
                .Select(l => (JsonNode)new JsonObject { ["timestamp"] = l.Received.ToUnixTimeMilliseconds(), ["message"] = l.Message }).ToArray()),
        }, default);
    }

    /// <summary>
    /// One datapoint of an HTTP API per-route metric, as API Gateway publishes it with detailed metrics on: on the API and its
    /// stage, with the route's own dimensions (<see cref="ByRoute"/> or <see cref="ByResource"/>).
    /// </summary>
    public Task PutRouteMetricAsync(IReadOnlyList<(string Name, string Value)> route, string metric, double value, DateTimeOffset at, string? apiId = null)
    {
        IReadOnlyList<(string Name, string Value)> dimensions = [("ApiId", apiId ?? ApiId), ("Stage", "$default"), .. route];
        var parameters = new List<KeyValuePair<string, string>> { new("Namespace", "AWS/ApiGateway"), new("MetricData.member.1.MetricName", metric) };
        for (var d = 0; d < dimensions.Count; d++)
        {
            parameters.Add(new($"MetricData.member.1.Dimensions.member.{d + 1}.Name", dimensions[d].Name));
            parameters.Add(new($"MetricData.member.1.Dimensions.member.{d + 1}.Value", dimensions[d].Value));
        }
        parameters.Add(new("MetricData.member.1.Value", value.ToString(CultureInfo.InvariantCulture)));
        parameters.Add(new("MetricData.member.1.Timestamp", at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)));
        parameters.Add(new("MetricData.member.1.Unit", metric == "Latency" ? "Milliseconds" : "Count"));
        return new AwsQueryClient(connection, AwsService.CloudWatch, "2010-08-01", http).CallAsync("PutMetricData", parameters, default);
    }

    /// <summary>A route named by its route key (<c>Route</c>), as one revision of the HTTP API metrics page gives it.</summary>
    public static IReadOnlyList<(string Name, string Value)> ByRoute(string routeKey) => [("Route", routeKey)];

    /// <summary>A route named by its path and the request's method (<c>Resource</c>, <c>Method</c>), as another revision gives it.</summary>
    public static IReadOnlyList<(string Name, string Value)> ByResource(string method, string path) => [("Method", method), ("Resource", path)];

    async Task CreateStackAsync(string name, JsonObject resources, JsonObject outputs) =>
        await new AwsQueryClient(connection, AwsService.CloudFormation, "2010-05-15", http).CallAsync("CreateStack",
            [new("StackName", name), new("TemplateBody", new JsonObject { ["Resources"] = resources, ["Outputs"] = outputs }.ToJsonString())], default);

    static JsonObject LogGroup(string name) => new() { ["Type"] = "AWS::Logs::LogGroup", ["Properties"] = new JsonObject { ["LogGroupName"] = name } };

    static JsonObject Ref(string logicalId) => new() { ["Value"] = new JsonObject { ["Ref"] = logicalId } };
}
