using Amazon.CDK;
using Amazon.CDK.AWS.Apigatewayv2;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.Logs;
using Constructs;
using Pipeline.Manifests;

namespace Pipeline.Infra;

/// <summary>
/// The public entry, in the shared stack: an HTTP API, one VPC Link into the private subnets, and the <c>$default</c>
/// stage with access logs (<see cref="AccessLogFields"/>), per-route metrics and throttling. Each service stack adds its own routes and integration (<see cref="ServiceRoutes"/>).
/// </summary>
public sealed class HttpGateway : Construct
{
    public const int ThrottleRatePerSecond = 100;
    public const int ThrottleBurst = 200;

    /// <summary>The one stage; its name is also the <c>Stage</c> dimension of the API's CloudWatch metrics.</summary>
    public const string StageName = "$default";

    public HttpGateway(Construct scope, string id, Network network, string environment, RemovalPolicy logRemoval) : base(scope, id)
    {
        VpcLinkSecurityGroup = new SecurityGroup(this, "VpcLinkSecurityGroup", new SecurityGroupProps
        {
            Vpc = network.Vpc,
            // Each service stack adds one egress rule, to its own ALB.
            Description = "VPC Link of the HTTP API: may reach only the service ALBs",
            AllowAllOutbound = false,
        });

        VpcLink = new VpcLink(this, "VpcLink", new VpcLinkProps
        {
            Vpc = network.Vpc,
            Subnets = network.PrivateSubnets,
            SecurityGroups = [VpcLinkSecurityGroup],
        });

        Api = new HttpApi(this, "Api", new HttpApiProps
        {
            ApiName = $"apigw-{environment}",
            Description = "Routes /api/<service> to each service's internal ALB",
            CreateDefaultStage = false,
        });

        AccessLogs = new LogGroup(this, "AccessLogs", new LogGroupProps
        {
            Retention = RetentionDays.ONE_WEEK,
            RemovalPolicy = logRemoval,
        });

        var stage = new HttpStage(this, "DefaultStage", new HttpStageProps
        {
            HttpApi = Api,
            StageName = StageName,
            AutoDeploy = true,
        });
        // HttpStage in this CDK version has no access-log or detailed-metrics property; the L1 stage has both.
        var cfnStage = (CfnStage)stage.Node.DefaultChild!;
        cfnStage.AccessLogSettings = new CfnStage.AccessLogSettingsProperty
        {
            DestinationArn = AccessLogs.LogGroupArn,
            Format = AccessLogFields.AwsFormat,
        };
        // Detailed metrics add per-route metrics to the stage's own, for the dashboard and Status. The AWS page "Monitor
        // CloudWatch metrics for HTTP APIs in API Gateway" lists them (4xx, 5xx, Count, Latency, IntegrationLatency,
        // DataProcessed) under the dimensions ApiId, Method, Resource, Stage ("resource path, and route ID"; an older
        // revision of the page said ApiId, Stage, Route). It gives no example value: Resource is taken to be the route's
        // path and Method its method (ANY /api/fastapi/{proxy+}: Method ANY, Resource /api/fastapi/{proxy+}), which is why
        // EnvironmentDashboard matches a route on Resource alone. CloudWatch bills them as custom metrics, six per route.
        cfnStage.DefaultRouteSettings = new CfnStage.RouteSettingsProperty
        {
            DetailedMetricsEnabled = true,
            ThrottlingRateLimit = ThrottleRatePerSecond,
            ThrottlingBurstLimit = ThrottleBurst,
        };
    }

    public SecurityGroup VpcLinkSecurityGroup { get; }

    public VpcLink VpcLink { get; }

    public HttpApi Api { get; }

    public LogGroup AccessLogs { get; }

    /// <summary><c>https://{api id}.execute-api.{region}.{url suffix}</c>, built from Ref (not GetAtt) so emulators that skip the API still deploy the stack.</summary>
    public string Endpoint => Fn.Join("", ["https://", Api.ApiId, ".execute-api.", Aws.REGION, ".", Aws.URL_SUFFIX]);
}
