using System.Text.Json.Nodes;

namespace Pipeline.Manifests;

/// <summary>
/// The gateway's access log line, one JSON object per request, with the same keys on AWS (the HTTP API's access log) and
/// locally (the gateway's stdout), so one reader handles both. On AWS each value is an HTTP API access-log variable
/// (<see cref="AwsVariables"/>); API Gateway writes every value as a string and <c>-</c> for an empty one.
/// </summary>
public static class AccessLogFields
{
    public const string Time = "time";
    public const string Service = "service";
    public const string RequestId = "request_id";
    public const string Method = "method";

    /// <summary>The route key the request matched, e.g. <c>ANY /api/mcp/{proxy+}</c>.</summary>
    public const string Route = "route";

    /// <summary>The request's path, never its query string.</summary>
    public const string Path = "path";

    public const string Status = "status";

    /// <summary>The response latency: from the request in to the response out.</summary>
    public const string DurationMs = "duration_ms";

    public const string IntegrationLatencyMs = "integration_latency_ms";
    public const string IntegrationStatus = "integration_status";
    public const string IntegrationError = "integration_error";
    public const string AuthorizerError = "authorizer_error";
    public const string Error = "error";
    public const string SourceIp = "source_ip";
    public const string ResponseLength = "response_length";
    public const string Protocol = "protocol";

    /// <summary>The value of <see cref="Service"/> on every gateway line.</summary>
    public const string GatewayService = "gateway";

    /// <summary>
    /// Each key and the variable API Gateway fills it with, in the order a line shows them. The variables are those the
    /// AWS page "Customizing HTTP API access logs" lists; <see cref="Service"/> is the literal <see cref="GatewayService"/>.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> AwsVariables { get; } =
    [
        new(Time, "$context.requestTime"),
        new(Service, GatewayService),
        new(RequestId, "$context.requestId"),
        new(Method, "$context.httpMethod"),
        new(Route, "$context.routeKey"),
        new(Path, "$context.path"),
        new(Status, "$context.status"),
        new(DurationMs, "$context.responseLatency"),
        new(IntegrationLatencyMs, "$context.integrationLatency"),
        new(IntegrationStatus, "$context.integrationStatus"),
        new(IntegrationError, "$context.integrationErrorMessage"),
        new(AuthorizerError, "$context.authorizer.error"),
        new(Error, "$context.error.message"),
        new(SourceIp, "$context.identity.sourceIp"),
        new(ResponseLength, "$context.responseLength"),
        new(Protocol, "$context.protocol"),
    ];

    /// <summary>
    /// The keys a request cannot be followed without: which request, which route, how it ended, how long it took and where
    /// (the gateway or the service), and why the authorizer refused it. The template rule Pipeline-APIG6 requires them.
    /// </summary>
    public static IReadOnlyList<string> RequiredKeys { get; } = [RequestId, Route, Status, DurationMs, IntegrationLatencyMs, AuthorizerError];

    /// <summary>The HTTP API stage's access log format: <see cref="AwsVariables"/> as one JSON object on one line.</summary>
    public static string AwsFormat { get; } = new JsonObject(AwsVariables.Select(v => KeyValuePair.Create(v.Key, (JsonNode?)JsonValue.Create(v.Value)))).ToJsonString();

    /// <summary>The variable <paramref name="key"/> is filled with on AWS.</summary>
    public static string AwsVariableOf(string key) => AwsVariables.Single(v => v.Key == key).Value;
}
