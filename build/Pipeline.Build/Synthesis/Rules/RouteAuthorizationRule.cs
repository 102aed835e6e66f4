using System.Text.Json;
using Pipeline.Manifests;

namespace Pipeline.Build.Synthesis.Rules;

/// <summary>
/// Every HTTP API route needs a valid token unless it serves a path its service's manifest declares public (the health
/// path, the OAuth metadata path, <c>publicPaths</c>). A route without authorization that serves anything else is how a
/// private endpoint ends up on the internet, so it fails here, naming the manifest line that would make it public on
/// purpose. Modelled on cdk-nag's AwsSolutions-APIG4 (the API implements authorization).
/// </summary>
public sealed class RouteAuthorizationRule : ITemplateRule
{
    public string Id => "Pipeline-APIG4";

    public string Description => "HTTP API routes have an authorizer unless they serve a path their service's manifest declares public.";

    public IEnumerable<RuleViolation> Check(IReadOnlyList<TemplateResource> resources, TemplateContext context)
    {
        foreach (var route in resources.Where(r => r.Type == "AWS::ApiGatewayV2::Route"))
        {
            var declared = route.Property("AuthorizationType");
            var type = declared is { ValueKind: JsonValueKind.String } t ? t.GetString() : null;
            var key = route.Property("RouteKey") is { ValueKind: JsonValueKind.String } k ? k.GetString()! : null;
            var described = key is null ? "the route" : $"route {key}";
            if (type is "JWT" or "CUSTOM")
            {
                if (route.Property("AuthorizerId") is null)
                    yield return new RuleViolation(Id, route.LogicalId,
                        $"{described} has AuthorizationType {type} but no AuthorizerId. Name the API's authorizer (the id in {SharedAuthorizerParameter(context)}).");
                continue;
            }
            if (type == "AWS_IAM")
                continue;
            if (type is null && declared is { ValueKind: not JsonValueKind.Null } computed)
            {
                yield return new RuleViolation(Id, route.LogicalId,
                    $"{described} takes its AuthorizationType from {computed.GetRawText()}; write JWT (or NONE for a declared public path) so the authorization is known before deploy.");
                continue;
            }
            if (type is not null && type != "NONE")
            {
                yield return new RuleViolation(Id, route.LogicalId,
                    $"{described} has AuthorizationType '{type}', which API Gateway does not know; use JWT (or NONE for a declared public path).");
                continue;
            }

            // NONE, or no AuthorizationType at all (which API Gateway treats as NONE).
            var how = type is null ? "no AuthorizationType (API Gateway treats that as NONE)" : "AuthorizationType NONE";
            if (key is null)
            {
                yield return new RuleViolation(Id, route.LogicalId,
                    $"the route has {how} and a RouteKey that is not written out, so it cannot be matched to a public path. Write the route key literally, or give the route the JWT authorizer.");
                continue;
            }
            var path = key[(key.IndexOf(' ') + 1)..];
            if (context.Service is not { } service)
            {
                yield return new RuleViolation(Id, route.LogicalId,
                    $"{described} has {how}, and stack {context.StackName} is no service's stack, so no manifest declares it public. Give it the JWT authorizer (AuthorizationType JWT, AuthorizerId from {SharedAuthorizerParameter(context)}).");
                continue;
            }
            if (HttpApiRoutes.For(service).Any(r => !r.NeedsToken && r.Path == path))
                continue;
            yield return new RuleViolation(Id, route.LogicalId, $"{described} has {how}, but {path} is not a path {service.Name} declares public. " + Remedy(service, path, context));
        }
    }

    static string Remedy(ServiceManifest service, string path, TemplateContext context)
    {
        var authorize = $"Give the route the JWT authorizer (AuthorizationType JWT, AuthorizerId from {SharedAuthorizerParameter(context)})";
        var entry = HttpApiRoutes.PublicPathEntryFor(service, path);
        if (entry is null || PublicPath.TryParse(entry, out _) is null)
            return $"{authorize}; a manifest cannot declare {path} public (it is {(entry is null ? $"not under {service.RoutePrefix}" : "the whole service")}).";
        return $"{authorize}, or, if it must be reachable without a token, add \"{entry}\" to \"publicPaths\" in {TemplateContext.ManifestPathOf(service)}.";
    }

    static string SharedAuthorizerParameter(TemplateContext context) => DeploymentNames.SharedParameter(context.Environment, SharedValue.AuthorizerId);
}
