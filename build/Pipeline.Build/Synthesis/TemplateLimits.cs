using System.Text;
using System.Text.Json;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

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

    /// <summary>How a service's route count comes about (<see cref="HttpApiRoutes.For"/>), for the message that reports too many.</summary>
    const string RoutesPerServiceText =
        "2 per service behind the authorizer, plus one per health, metadata and public path, and one for RFC 9728 metadata discovery";

    const string IntegrationsPerServiceText = "2 per service for its authorized routes (the {proxy+} and the bare prefix), plus one per health, metadata and public path";

    readonly List<string> problems = [];
    int routes;
    int integrations;

    /// <summary>
    /// The route and integration limits follow from the manifests alone (<see cref="HttpApiRoutes"/>), so they are checked
    /// before the CDK app runs.
    /// </summary>
    public static void CheckManifests(string environment, IReadOnlyCollection<ServiceManifest> services)
    {
        var limits = new TemplateLimits(environment);
        var routes = services.ToDictionary(s => s.Name, s => HttpApiRoutes.For(s).Count, StringComparer.Ordinal);
        limits.CheckApi(routes.Values.Sum(), services.Sum(HttpApiRoutes.IntegrationCount), Largest(routes));
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
        CheckApi(routes, integrations, largest: null);
        if (problems.Count > 0)
            throw new PipelineException(
                $"Environment {environment} would exceed {problems.Count} AWS limit(s); nothing was deployed:\n  " + string.Join("\n  ", problems.Distinct()));
    }

    /// <param name="largest">The service with the most routes and its count, when known (from the manifests).</param>
    void CheckApi(int routeCount, int integrationCount, string? largest)
    {
        var most = largest is null ? "" : $"; most: {largest}";
        if (routeCount > RoutesPerHttpApi)
            problems.Add($"the HTTP API of {environment} would have {routeCount} routes ({RoutesPerServiceText}{most}); API Gateway allows {RoutesPerHttpApi} per API " +
                         "unless AWS raises the quota (Service Quotas: 'Routes per API'). Request the increase, remove services, or declare fewer public paths.");
        if (integrationCount > IntegrationsPerHttpApi)
            problems.Add($"the HTTP API of {environment} would have {integrationCount} integrations ({IntegrationsPerServiceText}); API Gateway allows {IntegrationsPerHttpApi} per API " +
                         "unless AWS raises the quota (Service Quotas: 'Integrations per API'). Request the increase, remove services, or declare fewer public paths.");
    }

    static string? Largest(IReadOnlyDictionary<string, int> routesByService) =>
        routesByService.Count == 0
            ? null
            : routesByService.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => $"{p.Key} with {p.Value}").First();

    static int Count(JsonElement root, string section) =>
        root.TryGetProperty(section, out var element) && element.ValueKind == JsonValueKind.Object ? element.EnumerateObject().Count() : 0;
}
