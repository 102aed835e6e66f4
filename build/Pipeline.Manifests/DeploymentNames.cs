using System.Text.RegularExpressions;

namespace Pipeline.Manifests;

/// <summary>
/// Names the CDK app gives things and the pipeline finds them by again: stacks, SSM parameters, repositories,
/// template parameters and outputs. One place, so the two sides cannot drift apart.
/// </summary>
/// <remarks>
/// An environment is deployed as <c>apigw-&lt;env&gt;-registry</c> (ECR), <c>apigw-&lt;env&gt;-shared</c>
/// (network, cluster, HTTP API) and one <c>apigw-&lt;env&gt;-&lt;service&gt;</c> stack per service.
/// </remarks>
public static partial class DeploymentNames
{
    /// <summary>The longest environment name: it goes into every name, and some AWS names are short (a load balancer's 32 characters).</summary>
    public const int MaxEnvironmentLength = 16;

    /// <summary>
    /// Why <paramref name="environment"/> cannot name an environment, or null when it can: lower-case letters and digits,
    /// starting with a letter, at most <see cref="MaxEnvironmentLength"/> characters. No hyphen, so that the names of one
    /// environment (<c>apigw-dev-*</c>) never match another's (<c>apigw-dev-x-*</c>) in a policy or a lookup; lowercase only,
    /// as image repositories, bucket names and domain prefixes require.
    /// </summary>
    public static string? EnvironmentNameProblem(string environment) =>
        EnvironmentNamePattern().IsMatch(environment)
            ? null
            : $"'{environment}' cannot name an environment: use lower-case letters and digits, starting with a letter, at most {MaxEnvironmentLength} characters " +
              "(no hyphen: the names of environment dev, apigw-dev-*, would also match an environment called dev-x), e.g. dev, prod, staging2.";

    [GeneratedRegex("^[a-z][a-z0-9]{0,15}$")]
    private static partial Regex EnvironmentNamePattern();

    /// <summary>The role GitHub Actions assumes to deploy the environment (made once by an administrator, DeployRole).</summary>
    public static string DeployRole(string environment) => $"github-apigw-{environment}-deploy";

    /// <summary>The role pull request workflows assume for Diff previews: reads only.</summary>
    public static string ReadOnlyRole(string environment) => $"github-apigw-{environment}-readonly";

    /// <summary>
    /// The role CloudFormation assumes to create the environment's resources (CDK's bootstrap pattern): the deploy role may
    /// only pass it. Named outside <c>apigw-&lt;env&gt;-*</c>, the roles the stacks create, so it can never change itself.
    /// </summary>
    public static string ExecutionRole(string environment) => $"pipeline-apigw-{environment}-cfn-exec";

    /// <summary>The managed policy every role the stacks create carries as its permissions boundary.</summary>
    public static string PermissionsBoundary(string environment) => $"pipeline-apigw-{environment}-boundary";

    /// <summary>The tag every resource of an environment carries; in one account, the execution roles' conditions keep each environment to its own.</summary>
    public const string EnvironmentTag = "apigw:environment";

    public static string RegistryStack(string environment) => $"apigw-{environment}-registry";

    /// <summary>The environment stack every service stack reads from (through its SSM parameters): VPC, NAT, flow logs, cluster, HTTP API, VPC Link, stage.</summary>
    public static string SharedStack(string environment) => $"apigw-{environment}-shared";

    /// <summary>One service's stack: its ALB, tasks, autoscaling, alarms, log group, routes and integration.</summary>
    public static string ServiceStack(string environment, string service) => $"apigw-{environment}-{service}";

    /// <summary>The OAuth scope a token needs to call <paramref name="service"/>'s routes: <c>apigw-&lt;env&gt;/&lt;service&gt;</c> (Cognito's resource-server form).</summary>
    public static string ServiceScope(string environment, string service) => $"apigw-{environment}/{service}";

    /// <summary>
    /// The legacy layout's single application stack (network, cluster, HTTP API and every service in one stack),
    /// replaced by <see cref="SharedStack"/> plus one <see cref="ServiceStack"/> per service. Kept so the pipeline can
    /// recognise an environment that was deployed with the old layout; the CDK app no longer synthesizes it.
    /// </summary>
    public static string AppStack(string environment) => $"apigw-{environment}-app";

    /// <summary>
    /// Folder names a service may not have, because its stack <c>apigw-&lt;env&gt;-&lt;name&gt;</c> would be the name of another stack.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ReservedServiceNames { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["registry"] = "the ECR registry stack",
        ["shared"] = "the shared environment stack",
        ["app"] = "the legacy single application stack",
    };

    /// <summary>
    /// Where every SSM parameter of an environment lives, <c>/apigw/&lt;env&gt;</c>. CloudFormation resolves a service
    /// stack's <c>AWS::SSM::Parameter::Value&lt;String&gt;</c> parameters with the deploying caller's permissions, so the
    /// deploy role needs <c>ssm:GetParameters</c> on <c>parameter/apigw/&lt;env&gt;/*</c> (and, to create the
    /// parameters, <c>ssm:PutParameter</c>, <c>ssm:DeleteParameter</c>, <c>ssm:AddTagsToResource</c> there).
    /// </summary>
    public static string ParameterPrefix(string environment) => $"/apigw/{environment}";

    /// <summary>
    /// SSM parameter (type String) the shared stack writes for the service stacks, e.g. <c>/apigw/dev/shared/VpcId</c>.
    /// Service stacks read it as a template parameter of type <c>AWS::SSM::Parameter::Value&lt;String&gt;</c> whose default
    /// is this path, so CloudFormation fetches the current value at each create or update of the service stack.
    /// </summary>
    public static string SharedParameter(string environment, SharedValue value) => $"{ParameterPrefix(environment)}/shared/{value}";

    /// <summary>
    /// SSM parameter (type String) a service stack writes for the stacks of the services that use it,
    /// e.g. <c>/apigw/dev/services/fastapi/LoadBalancerDns</c>.
    /// </summary>
    public static string ServiceParameter(string environment, string service, ServiceValue value) =>
        $"{ParameterPrefix(environment)}/services/{service}/{value}";

    /// <summary>ECR repository of a service, e.g. <c>apigw-dev/fastapi</c>.</summary>
    public static string Repository(string environment, string service) => $"{RepositoryNamespace(environment)}/{service}";

    public static string RepositoryNamespace(string environment) => $"apigw-{environment}";

    /// <summary>
    /// Prefix of the second tag the pipeline gives each image a successful deploy ran, <c>deployed-&lt;history id&gt;</c>.
    /// The ECR lifecycle policy never expires the images of the most recent such deploys (see the registry stack).
    /// </summary>
    public const string DeployedImageTagPrefix = "deployed-";

    /// <summary>Template parameter that carries a service's image tag, so a new image needs no new template.</summary>
    public static string ImageTagParameter(string service) => "ImageTag" + Pascal(service);

    /// <summary>
    /// Template parameter (type Number, default the manifest's <c>minTasks</c>) that carries a service's ECS desired count.
    /// The pipeline fills it with the service's current desired count, so a deploy keeps the capacity autoscaling chose
    /// instead of resetting a scaled-out service to its minimum.
    /// </summary>
    public static string DesiredCountParameter(string service) => "DesiredCount" + Pascal(service);

    /// <summary>
    /// Name of a service's alarm on its targets' 5xx answers (<c>HTTPCode_Target_5XX_Count</c>), e.g. <c>apigw-dev-fastapi-5xx</c>.
    /// A deployment alarm of the service: ECS rolls a deployment back while it is in alarm.
    /// </summary>
    public static string FiveXxAlarm(string environment, string service) => $"{ServiceStack(environment, service)}-5xx";

    /// <summary>
    /// Name of a service's alarm on unhealthy targets, e.g. <c>apigw-dev-fastapi-unhealthy-hosts</c>.
    /// A deployment alarm of the service: ECS rolls a deployment back while it is in alarm.
    /// </summary>
    public static string UnhealthyHostsAlarm(string environment, string service) => $"{ServiceStack(environment, service)}-unhealthy-hosts";

    /// <summary>
    /// The alarms ECS watches during a deployment of a service, rolling it back when one goes off. Rolling (or no strategy
    /// given): the two that watch the whole target group. A strategy that shifts traffic between two target groups: an error
    /// rate, a p95 latency and an unhealthy-hosts alarm per target group, so the new version is judged on its own requests.
    /// </summary>
    public static IReadOnlyList<string> DeploymentAlarms(string environment, string service, RolloutStrategy? rollout = null) =>
        rollout?.ShiftsTraffic == true
            ? [.. Enum.GetValues<TrafficTargetGroup>().SelectMany(group => TargetGroupAlarms(environment, service, group))]
            : [FiveXxAlarm(environment, service), UnhealthyHostsAlarm(environment, service)];

    /// <summary>
    /// A traffic-shifting service's alarms on one of its two target groups, in this order: error rate
    /// (<c>100 × HTTPCode_Target_5XX_Count / RequestCount</c>), p95 <c>TargetResponseTime</c>, unhealthy hosts; e.g.
    /// <c>apigw-dev-fastapi-alternate-error-rate</c>.
    /// </summary>
    public static IReadOnlyList<string> TargetGroupAlarms(string environment, string service, TrafficTargetGroup group) =>
        [TargetGroupErrorRateAlarm(environment, service, group), TargetGroupLatencyAlarm(environment, service, group), TargetGroupUnhealthyHostsAlarm(environment, service, group)];

    public static string TargetGroupErrorRateAlarm(string environment, string service, TrafficTargetGroup group) =>
        $"{ServiceStack(environment, service)}-{Slot(group)}-error-rate";

    public static string TargetGroupLatencyAlarm(string environment, string service, TrafficTargetGroup group) =>
        $"{ServiceStack(environment, service)}-{Slot(group)}-p95-latency";

    public static string TargetGroupUnhealthyHostsAlarm(string environment, string service, TrafficTargetGroup group) =>
        $"{ServiceStack(environment, service)}-{Slot(group)}-unhealthy-hosts";

    static string Slot(TrafficTargetGroup group) => group.ToString().ToLowerInvariant();

    /// <summary>
    /// The role ECS assumes to move a traffic-shifting service's traffic between its two target groups (the ELB
    /// infrastructure role of ECS blue/green deployments), e.g. <c>apigw-dev-fastapi-traffic</c>: at most 62 characters with
    /// the longest environment and service names (IAM allows 64). Named, so the execution role can pass exactly these roles,
    /// and only to ECS.
    /// </summary>
    public static string TrafficShiftRole(string environment, string service) => ServiceStack(environment, service) + TrafficShiftRoleSuffix;

    /// <summary>How every <see cref="TrafficShiftRole"/> ends: <c>apigw-&lt;env&gt;-*-traffic</c> matches them and no other stack role.</summary>
    public const string TrafficShiftRoleSuffix = "-traffic";

    /// <summary>
    /// The header that sends a request to the version being deployed before it gets production traffic: the test listener
    /// rule of a traffic-shifting service forwards requests carrying <c>X-Deployment-Test: green</c> the way ECS points the
    /// test route (to the new version during a deployment). It reaches the ALB only through the HTTP API, so such a request
    /// still needs a valid token; the header chooses the version, not who may call.
    /// </summary>
    public const string TestTrafficHeader = "X-Deployment-Test";

    /// <summary>The value of <see cref="TestTrafficHeader"/> that selects the version being deployed.</summary>
    public const string TestTrafficHeaderValue = "green";

    /// <summary>
    /// The value of <see cref="SharedValue.UserPoolId"/>, <see cref="SharedValue.TokenClientId"/>,
    /// <see cref="SharedValue.TokenEndpoint"/> and <see cref="SharedValue.InteractiveClientId"/> when the environment trusts an external issuer: SSM refuses empty values.
    /// </summary>
    public const string NoIssuerOfOurOwn = "none";

    /// <summary>Output of the shared stack.</summary>
    public const string ApiEndpointOutput = "ApiEndpoint";

    /// <summary>Output of the shared stack (its value is also the SSM parameter <see cref="SharedValue.ClusterName"/>).</summary>
    public const string ClusterNameOutput = "ClusterName";

    /// <summary>Output of the shared stack when it runs its own Cognito issuer (its value is also <see cref="SharedValue.UserPoolId"/>): where an admin creates users.</summary>
    public const string UserPoolIdOutput = "UserPoolId";

    /// <summary>
    /// Output of the shared stack when it runs its own Cognito issuer (its value is also <see cref="SharedValue.InteractiveClientId"/>):
    /// the client id an interactive MCP client (VS Code, Claude, Cursor, MCP Inspector) is configured with.
    /// </summary>
    public const string InteractiveClientIdOutput = "InteractiveClientId";

    /// <summary>Output of the shared stack: the log group of the HTTP API's access log, which <c>Logs --request-id</c> queries with the services' groups.</summary>
    public const string AccessLogGroupOutput = "AccessLogGroup";

    /// <summary>Output of the shared stack: the name of the environment's CloudWatch dashboard, whose URL Deploy prints.</summary>
    public const string DashboardNameOutput = "DashboardName";

    /// <summary>The environment's CloudWatch dashboard (names may hold letters, digits, <c>-</c> and <c>_</c>).</summary>
    public static string Dashboard(string environment) => $"apigw-{environment}";

    /// <summary>
    /// The header every integration sets from the gateway's request id (<c>overwrite:header.x-request-id</c> =
    /// <c>$context.requestId</c> on AWS; the local gateway does the same), which the services log, echo and forward.
    /// </summary>
    public const string RequestIdHeader = "X-Request-Id";

    /// <summary>The header API Gateway's HTTP APIs answer every request with, holding <c>$context.requestId</c>; the local gateway does too.</summary>
    public const string GatewayRequestIdResponseHeader = "apigw-requestid";

    public static string RepositoryUriOutput(string service) => "RepositoryUri" + Pascal(service);

    public static string ServiceNameOutput(string service) => "ServiceName" + Pascal(service);

    public static string LogGroupOutput(string service) => "LogGroup" + Pascal(service);

    /// <summary>Output of a service stack (its value is also the SSM parameter <see cref="ServiceValue.LoadBalancerDns"/>).</summary>
    public static string LoadBalancerDnsOutput(string service) => "LoadBalancerDns" + Pascal(service);

    /// <summary>Output of a service stack (its value is also the SSM parameter <see cref="ServiceValue.AlbSecurityGroupId"/>).</summary>
    public static string AlbSecurityGroupOutput(string service) => "AlbSecurityGroupId" + Pascal(service);

    /// <summary><c>fastapi</c> → <c>Fastapi</c>, <c>order-api</c> → <c>OrderApi</c>: keys and logical ids allow letters and digits only.</summary>
    public static string Pascal(string service) =>
        string.Concat(service.Split('-', StringSplitOptions.RemoveEmptyEntries)
            .Select(part => char.ToUpperInvariant(part[0]) + part[1..]));
}

/// <summary>
/// What the shared stack publishes for the service stacks, one SSM parameter each
/// (<see cref="DeploymentNames.SharedParameter"/>); the member name is the last segment of the parameter's path.
/// Renaming a member moves its parameter: the shared stack's next deploy deletes the old path, and a service stack still
/// on a template that reads it fails its next update until it is deployed from the new templates (a full Deploy does both,
/// shared first).
/// </summary>
public enum SharedValue
{
    VpcId,

    /// <summary>The private subnets (one per AZ), comma-joined in one String parameter; readers split them again.</summary>
    PrivateSubnetIds,
    ClusterName,
    ClusterArn,
    HttpApiId,
    VpcLinkId,
    VpcLinkSecurityGroupId,

    /// <summary>The HTTP API's public origin, <c>https://{api id}.execute-api.{region}.{suffix}</c>; services that publish absolute URLs (OAuth metadata) need it.</summary>
    ApiEndpoint,

    /// <summary>Id of the HTTP API's JWT authorizer; every service route that is not public names it.</summary>
    AuthorizerId,

    /// <summary>The token issuer the authorizer trusts (the profile's <c>JwtIssuer</c>, or the environment's Cognito user pool).</summary>
    AuthIssuer,

    /// <summary>
    /// The audiences a token may carry, comma-separated: the profile's <c>JwtAudience</c>, or the ids of the Cognito machine
    /// client and interactive client (their access tokens carry the id as <c>client_id</c>).
    /// </summary>
    AuthAudience,

    /// <summary>SNS topic every alarm of the environment notifies.</summary>
    AlarmTopicArn,

    /// <summary>The Cognito user pool, when the environment runs its own issuer (no <c>JwtIssuer</c> in the profile); <c>none</c> otherwise.</summary>
    UserPoolId,

    /// <summary>The Cognito machine-to-machine client that <c>./build.sh Token</c> uses; <c>none</c> without a user pool.</summary>
    TokenClientId,

    /// <summary>The OAuth token endpoint for the client-credentials grant (Cognito's domain); <c>none</c> without a user pool.</summary>
    TokenEndpoint,

    /// <summary>
    /// The Cognito app client interactive MCP clients sign in with (public, authorization code with PKCE, managed login);
    /// <c>none</c> without a user pool. Cognito has no dynamic client registration, so a person configures this id in the client.
    /// </summary>
    InteractiveClientId,
}

/// <summary>
/// The two target groups of a service whose strategy shifts traffic: the one its ECS service is created with, and the
/// alternate one ECS registers the next version's tasks in. ECS swaps their roles at every deployment, so neither is "blue".
/// </summary>
public enum TrafficTargetGroup
{
    Primary,
    Alternate,
}

/// <summary>
/// What each service stack publishes for the services that call it (see <see cref="ServiceManifest.Uses"/>), one SSM
/// parameter each (<see cref="DeploymentNames.ServiceParameter"/>).
/// </summary>
public enum ServiceValue
{
    /// <summary>DNS name of the service's internal ALB.</summary>
    LoadBalancerDns,

    /// <summary>Security group of the service's ALB; a caller's stack adds an ingress rule for its own tasks to it.</summary>
    AlbSecurityGroupId,
}
