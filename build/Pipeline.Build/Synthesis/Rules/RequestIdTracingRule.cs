using System.Text.Json;
using Pipeline.Manifests;

namespace Pipeline.Build.Synthesis.Rules;

/// <summary>
/// A request can be followed from the gateway into the service: every HTTP API integration overwrites the
/// <c>x-request-id</c> header with API Gateway's request id (<c>overwrite:header.x-request-id</c> = <c>$context.requestId</c>),
/// so the service logs the id the access log holds and a caller cannot choose it, and the stage's access log is one JSON
/// object that carries at least <see cref="AccessLogFields.RequiredKeys"/> with their variables. Modelled on cdk-nag's
/// AwsSolutions-APIG6 (logging for every method); a stage without any access log is <see cref="ApiAccessLoggingRule"/>'s.
/// </summary>
public sealed class RequestIdTracingRule : ITemplateRule
{
    public string Id => "Pipeline-APIG6";

    public string Description =>
        "HTTP API integrations overwrite x-request-id with $context.requestId, and stage access logs are JSON with the request id, route, status, latencies and authorizer error.";

    public static readonly string HeaderKey = "overwrite:header." + DeploymentNames.RequestIdHeader.ToLowerInvariant();

    public const string RequestIdVariable = "$context.requestId";

    const string MappingFix = "infra/ServiceRoutes.cs maps it on every integration: ParameterMapping().OverwriteHeader(\"x-request-id\", MappingValue.ContextVariable(\"requestId\"))";

    const string FormatFix = "infra/HttpGateway.cs writes it: Format = AccessLogFields.AwsFormat";

    public IEnumerable<RuleViolation> Check(IReadOnlyList<TemplateResource> resources, TemplateContext context)
    {
        foreach (var integration in resources.Where(r => r.Type == "AWS::ApiGatewayV2::Integration"))
            if (MappingProblem(integration) is { } problem)
                yield return new RuleViolation(Id, integration.LogicalId, problem);
        foreach (var stage in resources.Where(r => r.Type == "AWS::ApiGatewayV2::Stage"))
            if (stage.Property("AccessLogSettings") is { ValueKind: JsonValueKind.Object } settings &&
                settings.TryGetProperty("Format", out var format) && FormatProblem(format) is { } problem)
                yield return new RuleViolation(Id, stage.LogicalId, problem);
    }

    static string? MappingProblem(TemplateResource integration)
    {
        var mappings = integration.Property("RequestParameters") is { ValueKind: JsonValueKind.Object } parameters
            ? parameters.EnumerateObject().ToList()
            : [];
        bool Is(JsonProperty p, string action) =>
            string.Equals(p.Name, $"{action}:header.{DeploymentNames.RequestIdHeader}", StringComparison.OrdinalIgnoreCase);
        var expected = $"RequestParameters \"{HeaderKey}\": \"{RequestIdVariable}\"";
        var overwrite = mappings.Where(p => Is(p, "overwrite")).Select(p => (JsonElement?)p.Value).FirstOrDefault();
        if (overwrite is { } value)
            return value.ValueKind == JsonValueKind.String && value.GetString() == RequestIdVariable
                ? null
                : $"overwrites x-request-id with {value.GetRawText()}, not the gateway's request id, so the service's lines and the access log " +
                  $"name the request differently. Map {expected} ({MappingFix}).";
        var how = mappings.Any(p => Is(p, "append"))
            ? "appends to x-request-id instead of overwriting it, so a caller's own value reaches the service with the gateway's"
            : "does not set x-request-id, so the service cannot log the gateway's request id and a caller may send any id it likes";
        return $"{how}. Map {expected} ({MappingFix}).";
    }

    static string? FormatProblem(JsonElement format)
    {
        if (format.ValueKind != JsonValueKind.String)
            return $"takes its access log format from {format.GetRawText()}; write it literally so its fields are known before deploy ({FormatFix}).";
        JsonElement line;
        try
        {
            using var document = JsonDocument.Parse(format.GetString()!);
            line = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            line = default;
        }
        if (line.ValueKind != JsonValueKind.Object)
            return "has an access log format that is not one JSON object, so a reader cannot find the request id, route and status in it. " +
                   $"Use the gateway's JSON line ({FormatFix}).";
        var missing = new List<string>();
        foreach (var key in AccessLogFields.RequiredKeys)
        {
            var variable = AccessLogFields.AwsVariableOf(key);
            if (!line.TryGetProperty(key, out var value))
                missing.Add($"\"{key}\": \"{variable}\"");
            else if (value.ValueKind != JsonValueKind.String || value.GetString() != variable)
                missing.Add($"\"{key}\": \"{variable}\" (it has {value.GetRawText()})");
        }
        return missing.Count == 0
            ? null
            : $"has an access log without {string.Join(", ", missing)}, so a request cannot be followed from the gateway by its id. " +
              $"Add {(missing.Count == 1 ? "it" : "them")} to the format ({FormatFix}).";
    }
}
