using System.Text.RegularExpressions;
using Amazon.CDK.AWS.Apigatewayv2;
using Amazon.CDK.AwsApigatewayv2Integrations;
using Constructs;
using Pipeline.Manifests;
using HttpMethod = Amazon.CDK.AWS.Apigatewayv2.HttpMethod;

namespace Pipeline.Infra;

/// <summary>
/// A service's part of the shared HTTP API, exactly the routes of <see cref="HttpApiRoutes.For"/>:
/// <list type="bullet">
/// <item><c>ANY /api/&lt;service&gt;/{proxy+}</c> → <c>/{proxy}</c> (<c>overwrite:path</c> <c>/$request.path.proxy</c>) and
/// <c>ANY /api/&lt;service&gt;</c> → <c>/</c> (a static <c>overwrite:path</c>), behind the shared JWT authorizer, each through
/// an integration of its own: the prefix is stripped as the local gateway does, and the bare prefix route has no
/// <c>proxy</c> variable, for which API Gateway documents no value. Both require the service's scope
/// (<c>AuthorizationScopes = [apigw-&lt;env&gt;/&lt;service&gt;]</c>, <see cref="DeploymentNames.ServiceScope"/>): a valid
/// token for another service, or an ID token (which has no scope claim), gets 403.</item>
/// <item>one route without authorization per path the manifest declares public (health, metadata, <c>publicPaths</c>):
/// <c>ANY /api/&lt;service&gt;/docs</c> → <c>/docs</c>, or <c>ANY /api/&lt;service&gt;/static/{proxy+}</c> →
/// <c>/static/{proxy}</c>. Each has an integration of its own: on a literal route the shared mapping would have no
/// <c>proxy</c> parameter and send <c>/</c>.</item>
/// <item>for an OAuth protected resource, <c>GET /.well-known/oauth-protected-resource/api/&lt;service&gt;/{proxy+}</c> → its
/// metadata path: RFC 9728's metadata URL of any resource under the prefix. API Gateway's own 401 names no
/// <c>resource_metadata</c>, so this is where MCP clients find the metadata on AWS.</item>
/// </list>
/// </summary>
/// <remarks>
/// One integration per path mapping, not per route: the metadata route shares the metadata path's integration. Every
/// integration also sets <c>x-request-id</c> to the gateway's request id (<see cref="RequestIdHeader"/>).
/// </remarks>
public sealed partial class ServiceRoutes : Construct
{
    public ServiceRoutes(Construct scope, string id, ServiceLoadBalancer target, SharedImports shared) : base(scope, id)
    {
        // The VPC Link may reach this ALB (egress on the shared SG) and the ALB accepts it (ingress on the ALB SG).
        target.AllowFrom(shared.VpcLinkSecurityGroup, "HTTP API VPC Link");

        var service = target.Service;
        var name = DeploymentNames.Pascal(service.Name);
        var jwt = HttpAuthorizer.FromHttpAuthorizerAttributes(this, "Authorizer", new HttpAuthorizerAttributes
        {
            AuthorizerId = shared.AuthorizerId,
            AuthorizerType = nameof(HttpAuthorizerType.JWT),
        });

        // A route integration creates its AWS::ApiGatewayV2::Integration once and reuses it for every route it is bound to.
        var integrations = new Dictionary<string, HttpAlbIntegration>(StringComparer.Ordinal);
        // Each is created under the first route bound to it, so the one id is unique, and the {proxy+} route's integration
        // keeps the logical id of the single-integration layout.
        HttpAlbIntegration IntegrationFor(string mapping) =>
            integrations.TryGetValue(mapping, out var existing)
                ? existing
                : integrations[mapping] = new HttpAlbIntegration(name + "Integration", target.Listener, new HttpAlbIntegrationProps
                {
                    VpcLink = shared.VpcLink,
                    ParameterMapping = new ParameterMapping()
                        .OverwritePath(MappingValue.Custom(mapping))
                        .OverwriteHeader(RequestIdHeader, MappingValue.ContextVariable("requestId")),
                });

        // The one scope a token needs for this service's routes, whoever issued it (Cognito's resource server, or an external
        // issuer that defines the same scope names).
        string[] scopes = [DeploymentNames.ServiceScope(shared.Environment, service.Name)];
        var routes = new List<HttpRoute>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var route in HttpApiRoutes.For(service))
        {
            var routeId = UniqueId(ids, RouteId(service, route));
            routes.Add(new HttpRoute(this, routeId, new HttpRouteProps
            {
                HttpApi = shared.Api,
                RouteKey = HttpRouteKey.With(route.Path, Enum.Parse<HttpMethod>(route.Method)),
                Integration = IntegrationFor(route.PathMapping),
                Authorizer = route.NeedsToken ? jwt : new HttpNoneAuthorizer(),
                AuthorizationScopes = route.NeedsToken ? scopes : null,
            }));
        }
        Routes = routes;
    }

    /// <summary>
    /// The header every integration sets to API Gateway's request id (<c>overwrite:header.x-request-id</c> =
    /// <c>$context.requestId</c>), so the service logs the id the access log holds, and a caller's own header of that name
    /// never reaches it. Not among the headers the AWS page "Transforming API requests and responses" reserves for HTTP APIs
    /// (<c>apigw-*</c>, <c>x-amz-*</c>, <c>x-amzn-*</c>, <c>X-Forwarded-*</c>, ...), so it may be mapped.
    /// </summary>
    public static readonly string RequestIdHeader = DeploymentNames.RequestIdHeader.ToLowerInvariant();

    /// <summary>Every route of the service, in the order of <see cref="HttpApiRoutes.For"/>.</summary>
    public IReadOnlyList<HttpRoute> Routes { get; }

    /// <summary>Stable construct ids: <c>Proxy</c> and <c>Prefix</c> as before, <c>PublicDocs</c>, <c>PublicStaticTree</c>, <c>ResourceMetadata</c>.</summary>
    static string RouteId(ServiceManifest service, HttpApiRoute route)
    {
        if (route.NeedsToken)
            return route.Path == service.RoutePrefix ? "Prefix" : "Proxy";
        if (route.Path.StartsWith(HttpApiRoutes.ResourceMetadataWellKnown + service.RoutePrefix, StringComparison.Ordinal))
            return "ResourceMetadata";
        var under = route.Path[service.RoutePrefix.Length..];
        var subtree = under.EndsWith(HttpApiRoutes.ProxySegment, StringComparison.Ordinal);
        if (subtree)
            under = under[..^HttpApiRoutes.ProxySegment.Length];
        return "Public" + Letters(under) + (subtree ? "Tree" : "");
    }

    /// <summary><c>/openapi.json</c> → <c>OpenapiJson</c>, <c>/.well-known/x</c> → <c>WellKnownX</c>.</summary>
    static string Letters(string path)
    {
        var id = string.Concat(NonAlphanumeric().Split(path).Where(w => w.Length > 0).Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
        return id.Length > 0 ? id : "Root";
    }

    [GeneratedRegex("[^A-Za-z0-9]+")]
    private static partial Regex NonAlphanumeric();

    static string UniqueId(HashSet<string> taken, string id)
    {
        var unique = id;
        for (var n = 2; !taken.Add(unique); n++)
            unique = id + n;
        return unique;
    }
}
