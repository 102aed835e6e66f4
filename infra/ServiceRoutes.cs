using Amazon.CDK.AWS.Apigatewayv2;
using Amazon.CDK.AwsApigatewayv2Integrations;
using Constructs;
using Pipeline.Manifests;
using HttpMethod = Amazon.CDK.AWS.Apigatewayv2.HttpMethod;

namespace Pipeline.Infra;

/// <summary>
/// A service's part of the shared HTTP API: ONE integration with its ALB listener through the shared VPC Link, and two
/// routes to it: <c>ANY /api/&lt;service&gt;/{proxy+}</c> → <c>/{proxy}</c> and <c>ANY /api/&lt;service&gt;</c> → <c>/</c>.
/// The prefix is stripped as the local gateway does: <c>overwrite:path</c> is <c>/$request.path.proxy</c>. The prefix-only
/// route has no <c>proxy</c> parameter, so it relies on API Gateway mapping the absent parameter to an empty value
/// (giving <c>/</c>); moto skips API Gateway, so only a real deployment shows it (the single-stack layout mapped that
/// route to a literal <c>/</c> through an integration of its own).
/// </summary>
/// <remarks>One integration per service instead of one per route halves what counts against the API's 300-integration quota.</remarks>
public sealed class ServiceRoutes : Construct
{
    public const string PathMapping = "/$request.path.proxy";

    public ServiceRoutes(Construct scope, string id, ServiceLoadBalancer target, SharedImports shared) : base(scope, id)
    {
        // The VPC Link may reach this ALB (egress on the shared SG) and the ALB accepts it (ingress on the ALB SG).
        target.AllowFrom(shared.VpcLinkSecurityGroup, "HTTP API VPC Link");

        var name = DeploymentNames.Pascal(target.Service.Name);
        var prefix = target.Service.RoutePrefix;
        // A route integration creates its AWS::ApiGatewayV2::Integration once and reuses it for every route it is bound to.
        var integration = new HttpAlbIntegration(name + "Integration", target.Listener, new HttpAlbIntegrationProps
        {
            VpcLink = shared.VpcLink,
            ParameterMapping = new ParameterMapping().OverwritePath(MappingValue.Custom(PathMapping)),
        });

        ProxyRoute = new HttpRoute(this, "Proxy", new HttpRouteProps
        {
            HttpApi = shared.Api,
            RouteKey = HttpRouteKey.With(prefix + "/{proxy+}", HttpMethod.ANY),
            Integration = integration,
        });
        PrefixRoute = new HttpRoute(this, "Prefix", new HttpRouteProps
        {
            HttpApi = shared.Api,
            RouteKey = HttpRouteKey.With(prefix, HttpMethod.ANY),
            Integration = integration,
        });
    }

    public HttpRoute ProxyRoute { get; }

    public HttpRoute PrefixRoute { get; }
}
