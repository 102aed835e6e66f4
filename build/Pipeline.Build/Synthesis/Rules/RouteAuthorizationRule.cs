using System.Text.Json;
using Pipeline.Manifests;

namespace Pipeline.Build.Synthesis.Rules;

/// <summary>
/// Every HTTP API route needs a valid token unless it serves a path its service's manifest declares public (the health
/// path, the OAuth metadata path, <c>publicPaths</c>). A route without authorization that serves anything else is how a
/// private endpoint ends up on the internet, so it fails here, naming the manifest line that would make it public on
/// purpose. A route with the JWT authorizer must also require its service's scope (<c>AuthorizationScopes</c> with
/// <c>apigw-&lt;env&gt;/&lt;service&gt;</c>): without one, any valid token of the issuer passes, a token for another service
/// and even an OIDC ID token (no scope claim, but the right issuer and audience). Modelled on cdk-nag's AwsSolutions-APIG4
/// (the API implements authorization) and AwsSolutions-COG4's intent (a Cognito-authorized route names its scopes).
/// </summary>
public sealed class RouteAuthorizationRule : ITemplateRule
{
    public string Id => "Pipeline-APIG4";

    public string Description =>
        "HTTP API routes have an authorizer unless they serve a path their service's manifest declares public, and a JWT route requires its service's scope.";

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
                if (type == "JWT" && ScopeProblem(route, described, context) is { } problem)
                    yield return new RuleViolation(Id, route.LogicalId, problem);
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

    /// <summary>
    /// What is wrong with a JWT route's <c>AuthorizationScopes</c>, or null: it must be a written-out list that holds the
    /// scope of the stack's service (in a stack that is no service's, any scope).
    /// </summary>
    static string? ScopeProblem(TemplateResource route, string described, TemplateContext context)
    {
        var expected = context.Service is { } service ? DeploymentNames.ServiceScope(context.Environment, service.Name) : null;
        var fix = expected is null
            ? "Require the scope of the service the route belongs to: AuthorizationScopes [apigw-<env>/<service>] (DeploymentNames.ServiceScope)."
            : $"Require the service's scope: AuthorizationScopes [\"{expected}\"] (DeploymentNames.ServiceScope; infra/ServiceRoutes.cs sets it on every route that needs a token).";
        var declared = route.Property("AuthorizationScopes");
        if (declared is null || declared.Value.ValueKind == JsonValueKind.Null ||
            (declared.Value.ValueKind == JsonValueKind.Array && declared.Value.GetArrayLength() == 0))
            return $"{described} has the JWT authorizer but no AuthorizationScopes, so any valid token of the issuer passes: " +
                   $"one issued for another service, and an OIDC ID token (it has no scope claim). {fix}";
        if (declared.Value.ValueKind != JsonValueKind.Array || declared.Value.EnumerateArray().Any(s => s.ValueKind != JsonValueKind.String))
            return $"{described} takes its AuthorizationScopes from {declared.Value.GetRawText()}; write the scopes literally so they are known before deploy. {fix}";
        // API Gateway admits a token that has any one of the route's scopes, so one other scope is as good as a wrong one.
        var others = declared.Value.EnumerateArray().Select(s => s.GetString()!).Where(s => s != expected).ToList();
        if (expected is not null && others.Count > 0)
            return $"{described} accepts {string.Join(", ", others)} (API Gateway admits a token with any one of a route's scopes), " +
                   $"so a token for another service calls {context.Service!.Name}. {fix}";
        return null;
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
