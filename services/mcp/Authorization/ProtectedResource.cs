using ModelContextProtocol.Authentication;

namespace Mcp.Server.Authorization;

/// <summary>
/// The MCP endpoint as an OAuth protected resource (RFC 9728): the public URLs of the endpoint and of its metadata
/// document, and what that document says. Clients find the authorization server through it.
/// </summary>
/// <remarks>
/// The public base is <c>PUBLIC_BASE_URL</c> + <c>ROOT_PATH</c> when <c>PUBLIC_BASE_URL</c> is set. Without it, it is the
/// request's scheme, host and path base, which the application first takes from <c>X-Forwarded-Proto</c> /
/// <c>X-Forwarded-Host</c> (set by the gateway) and <c>ROOT_PATH</c>, else from the request itself.
/// </remarks>
public sealed class ProtectedResource(ServiceSettings settings, TokenRequirement requirement)
{
    /// <summary>Where the metadata is served inside the service; the gateway exposes it under <c>ROOT_PATH</c>.</summary>
    public const string MetadataPath = "/.well-known/oauth-protected-resource";

    /// <summary>Bearer tokens are read from the Authorization header only, never from a query string or body.</summary>
    public const string HeaderBearerMethod = "header";

    /// <summary>The absolute public metadata URL when it does not depend on the request, i.e. when <c>PUBLIC_BASE_URL</c> is set.</summary>
    public Uri? ConfiguredMetadataUrl =>
        settings.PublicBaseUrl is { } publicBaseUrl ? new Uri(ConfiguredPublicBase(publicBaseUrl) + MetadataPath) : null;

    public string PublicBaseFor(HttpRequest request) =>
        settings.PublicBaseUrl is { } publicBaseUrl
            ? ConfiguredPublicBase(publicBaseUrl)
            : $"{request.Scheme}://{request.Host.ToUriComponent()}{request.PathBase}";

    public string MetadataUrlFor(HttpRequest request) => PublicBaseFor(request) + MetadataPath;

    public ProtectedResourceMetadata MetadataFor(HttpRequest request) => new()
    {
        Resource = PublicBaseFor(request) + ServiceSettings.McpPath,
        AuthorizationServers = [requirement.IssuerText],
        BearerMethodsSupported = [HeaderBearerMethod],
        // The one scope a token needs here (AUTH_SCOPE): what a client asks the authorization server for.
        ScopesSupported = [requirement.Scope],
        ResourceName = settings.ServiceName,
    };

    private string ConfiguredPublicBase(Uri publicBaseUrl) => publicBaseUrl.AbsoluteUri.TrimEnd('/') + settings.RootPath;
}
