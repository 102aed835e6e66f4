namespace Pipeline.Build.Synthesis.Rules;

/// <summary>Every API stage writes access logs, so each request at the edge can be traced.</summary>
public sealed class ApiAccessLoggingRule : ITemplateRule
{
    public string Id => "Pipeline-APIG1";

    public string Description => "API Gateway stages have access logging on.";

    public IEnumerable<RuleViolation> Check(IReadOnlyList<TemplateResource> resources, TemplateContext context) =>
        resources.Where(r => r.Type is "AWS::ApiGatewayV2::Stage" or "AWS::ApiGateway::Stage" && !LogsAccess(r))
            .Select(r => new RuleViolation(Id, r.LogicalId,
                "has no access logging. Set AccessLogSettings with a DestinationArn (a log group) and a Format."));

    static bool LogsAccess(TemplateResource stage) =>
        stage.Property("AccessLogSettings") is { } settings &&
        settings.TryGetProperty("DestinationArn", out _) &&
        settings.TryGetProperty("Format", out _);
}
