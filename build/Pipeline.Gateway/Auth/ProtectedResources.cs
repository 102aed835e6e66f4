using Pipeline.Manifests;

namespace Pipeline.Gateway.Auth;

/// <summary>
/// The gateway's services as the local issuer sees them: one scope each (<c>apigw-&lt;env&gt;/&lt;service&gt;</c>,
/// <see cref="DeploymentNames.ServiceScope"/>) and the URLs a token may be bound to (RFC 8707 <c>resource</c>): a
/// service's URL under the gateway, <c>http://127.0.0.1:&lt;port&gt;/api/mcp</c>, or any URL below it.
/// </summary>
public sealed class ProtectedResources(ServiceCatalog catalog, string environment, Func<Uri> gatewayBaseUrl)
{
    /// <summary>Every service's scope, in catalog order: what discovery lists and what a token asked without a scope gets.</summary>
    public IReadOnlyList<string> AllScopes => catalog.Services.Select(ScopeOf).ToList();

    public string ScopeOf(ServiceManifest service) => DeploymentNames.ServiceScope(environment, service.Name);

    /// <summary>The service a scope opens; null for a scope this issuer does not know.</summary>
    public ServiceManifest? ServiceOfScope(string scope) => catalog.Services.FirstOrDefault(s => ScopeOf(s) == scope);

    /// <summary>
    /// The service whose URL <paramref name="resource"/> is or is under: absolute, no fragment (RFC 8707 §2), the gateway's
    /// own port on a loopback host, the path the service's prefix or below it. Null when it is none of this gateway's.
    /// </summary>
    public ServiceManifest? ServiceAt(string resource)
    {
        if (!Uri.TryCreate(resource, UriKind.Absolute, out var url) || url.Fragment.Length > 0 || url.Scheme != Uri.UriSchemeHttp
            || !RedirectUris.IsLoopbackHost(url) || url.Port != gatewayBaseUrl().Port)
            return null;
        var path = url.AbsolutePath;
        return catalog.Services.FirstOrDefault(s =>
            path == s.RoutePrefix || path == s.RoutePrefix + "/" || path.StartsWith(s.RoutePrefix + "/", StringComparison.Ordinal));
    }

    /// <summary>What <c>resource</c> may be, for an <c>invalid_target</c> description.</summary>
    public string DescribeResources()
    {
        var origin = gatewayBaseUrl().GetLeftPart(UriPartial.Authority);
        return string.Join(", ", catalog.Services.Select(s => origin + s.RoutePrefix));
    }

    /// <summary>
    /// The scope a grant gets: without a request, every service's scope (as Cognito grants every allowed scope) or, for a
    /// token bound to a resource, that resource's scope; with one, the requested scopes, all known, limited to the resource's.
    /// </summary>
    public ScopeDecision Decide(string? requested, ServiceManifest? resource)
    {
        if (string.IsNullOrWhiteSpace(requested))
            return new ScopeDecision(resource is null ? AllScopes : [ScopeOf(resource)], null);
        var tokens = requested.Split(' ', StringSplitOptions.RemoveEmptyEntries).Distinct().ToList();
        if (tokens.FirstOrDefault(t => ServiceOfScope(t) is null) is { } unknown)
            return new ScopeDecision([], $"Unknown scope '{unknown}'. This issuer grants one scope per service: {string.Join(", ", AllScopes)}.");
        if (resource is null)
            return new ScopeDecision(tokens, null);
        var scope = ScopeOf(resource);
        return tokens.Contains(scope)
            ? new ScopeDecision([scope], null)
            : new ScopeDecision([], $"The scope asked for ({string.Join(" ", tokens)}) does not open the resource of service '{resource.Name}'; ask for {scope}, or for another resource.");
    }
}

/// <summary>The scopes granted, or why none are (an <c>invalid_scope</c> description).</summary>
public sealed record ScopeDecision(IReadOnlyList<string> Scopes, string? Problem)
{
    public string Scope => string.Join(" ", Scopes);
}
