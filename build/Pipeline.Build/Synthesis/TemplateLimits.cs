using System.Text;
using System.Text.Json;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Synthesis;

/// <summary>
/// CloudFormation's and API Gateway's hard limits, checked on the synthesized templates before AWS is called, so a
/// team that outgrows them gets the limit, the count and the way out instead of a failed deploy halfway through.
/// </summary>
public sealed class TemplateLimits(string environment)
{
    public const int ResourcesPerStack = 500;
    public const int ParametersPerTemplate = 200;
    public const int OutputsPerTemplate = 200;
    /// <summary>Larger templates go through S3 (the template bucket), up to <see cref="TemplateBytesThroughS3"/>.</summary>
    public const int TemplateBytesInline = 51_200;
    public const int TemplateBytesThroughS3 = 1_048_576;
    public const int RoutesPerHttpApi = 300;
    public const int IntegrationsPerHttpApi = 300;
    /// <summary>Each service adds two routes (<c>/api/&lt;svc&gt;</c> and <c>/api/&lt;svc&gt;/{proxy+}</c>) and one integration.</summary>
    public const int RoutesPerService = 2;

    readonly List<string> problems = [];
    int routes;
    int integrations;

    /// <summary>The route limit follows from the number of services alone, so it is checked before the CDK app runs.</summary>
    public static void CheckServiceCount(string environment, int services)
    {
        var limits = new TemplateLimits(environment);
        limits.CheckApi(services * RoutesPerService, services);
        limits.ThrowIfExceeded();
    }

    public void Add(string stackName, string templateText, JsonDocument template)
    {
        var root = template.RootElement;
        var resources = Count(root, "Resources");
        if (resources > ResourcesPerStack)
            problems.Add($"stack {stackName} has {resources} resources; CloudFormation allows at most {ResourcesPerStack} per stack. " +
                         "Move resources to a stack of their own (a service's resources live in its own stack already).");
        var parameters = Count(root, "Parameters");
        if (parameters > ParametersPerTemplate)
            problems.Add($"stack {stackName} has {parameters} parameters; CloudFormation allows at most {ParametersPerTemplate} per template.");
        var outputs = Count(root, "Outputs");
        if (outputs > OutputsPerTemplate)
            problems.Add($"stack {stackName} has {outputs} outputs; CloudFormation allows at most {OutputsPerTemplate} per template.");
        var bytes = Encoding.UTF8.GetByteCount(templateText);
        if (bytes > TemplateBytesThroughS3)
            problems.Add($"the template of stack {stackName} is {bytes:N0} bytes; CloudFormation accepts at most {TemplateBytesThroughS3:N0} bytes " +
                         $"(through S3; {TemplateBytesInline:N0} inline). Split the stack.");
        if (root.TryGetProperty("Resources", out var all) && all.ValueKind == JsonValueKind.Object)
            foreach (var resource in all.EnumerateObject())
            {
                var type = resource.Value.TryGetProperty("Type", out var t) ? t.GetString() : null;
                if (type == "AWS::ApiGatewayV2::Route") routes++;
                else if (type == "AWS::ApiGatewayV2::Integration") integrations++;
            }
    }

    /// <summary>Checks the counts summed over every template added, then throws one error that lists every limit hit.</summary>
    public void ThrowIfExceeded()
    {
        CheckApi(routes, integrations);
        if (problems.Count > 0)
            throw new PipelineException(
                $"Environment {environment} would exceed {problems.Count} AWS limit(s); nothing was deployed:\n  " + string.Join("\n  ", problems.Distinct()));
    }

    void CheckApi(int routeCount, int integrationCount)
    {
        if (routeCount > RoutesPerHttpApi)
            problems.Add($"the HTTP API of {environment} would have {routeCount} routes ({RoutesPerService} per service); API Gateway allows {RoutesPerHttpApi} per API " +
                         "unless AWS raises the quota (Service Quotas: 'Routes per API'). Request the increase, or remove services.");
        if (integrationCount > IntegrationsPerHttpApi)
            problems.Add($"the HTTP API of {environment} would have {integrationCount} integrations (one per service); API Gateway allows {IntegrationsPerHttpApi} per API " +
                         "unless AWS raises the quota (Service Quotas: 'Integrations per API'). Request the increase, or remove services.");
    }

    static int Count(JsonElement root, string section) =>
        root.TryGetProperty(section, out var element) && element.ValueKind == JsonValueKind.Object ? element.EnumerateObject().Count() : 0;
}
