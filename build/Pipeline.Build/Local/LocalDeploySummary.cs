using System.Net.Http.Headers;
using System.Text;
using Pipeline.Build.Deployment;
using Pipeline.Manifests;

namespace Pipeline.Build.Local;

/// <summary>
/// The lines printed at the end of a local deploy: the gateway, how to get a token, each service's URL, and what each
/// service turns out to offer, found by asking it with a token (an OpenAPI document means interactive docs at <c>/docs</c>;
/// an answer to an MCP <c>initialize</c> means an MCP endpoint), so no service is named here. For an MCP endpoint it prints
/// a ready-to-paste configuration of the common MCP clients: the URL alone, because they find the local issuer through the
/// endpoint's protected resource metadata and register and sign in by themselves (OAuth with dynamic registration); and the
/// client-credentials route for machines. The token is never printed.
/// </summary>
public static class LocalDeploySummary
{
    static readonly string[] McpEndpointCandidates = ["/mcp", "/"];

    static readonly HttpClient Client = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };

    /// <param name="tokenCommand">How a user gets a token for this environment, e.g. <c>./build.sh Token</c>.</param>
    /// <param name="credentialsFile">Where the local issuer's machine client (id and secret) is kept, for machines that run the grant themselves.</param>
    public static async Task<IReadOnlyList<string>> BuildAsync(ServiceCatalog catalog, Uri gateway, string token, string tokenCommand,
        string? credentialsFile, CancellationToken cancellationToken)
    {
        var offers = new List<ServiceOffer>();
        foreach (var service in catalog.Services)
        {
            var hasApiDocs = await HasOpenApiAsync(new Uri(gateway, service.RoutePrefix + "/openapi.json"), token, cancellationToken);
            offers.Add(new ServiceOffer(service, hasApiDocs, await FindMcpEndpointAsync(gateway, service, token, cancellationToken)));
        }
        return Compose(gateway, tokenCommand, credentialsFile, offers);
    }

    /// <summary>The summary for what the services turned out to offer (<see cref="BuildAsync"/> asks them).</summary>
    public static IReadOnlyList<string> Compose(Uri gateway, string tokenCommand, string? credentialsFile, IReadOnlyList<ServiceOffer> offers)
    {
        var issuer = new Uri(gateway, Manifests.LocalIssuerCredentials.IssuerPath);
        var discovery = $"{issuer}/.well-known/openid-configuration";
        var lines = new List<string>
        {
            $"Local platform is up. Gateway: {gateway}",
            $"  Every route needs a bearer token except health and the paths a manifest declares public. Token issuer: {issuer} " +
            $"(discovery: {discovery})",
            $"    TOKEN=$({tokenCommand} | tail -1); curl -H \"Authorization: Bearer $TOKEN\" {gateway}api/<service>/...",
        };
        foreach (var (service, hasApiDocs, mcp) in offers)
        {
            var root = new Uri(gateway, service.RoutePrefix);
            lines.Add($"  {service.Name}: {root}   (health: {new Uri(gateway, service.RoutePrefix + service.HealthPath)})");
            if (hasApiDocs)
                lines.Add($"    API docs: {new Uri(gateway, service.RoutePrefix + "/docs")}");
            if (mcp is null)
                continue;
            lines.Add($"    MCP endpoint (Streamable HTTP): {mcp}");
            lines.Add("    MCP clients sign in by themselves (OAuth: they find the issuer through the endpoint, register and ask you to approve); paste the URL:");
            lines.AddRange(McpClientConfiguration.ForUrlOnly(service.Name, mcp).Select(line => "      " + line));
            lines.Add($"      Machines (client credentials): {tokenCommand} prints an access token; or POST grant_type=client_credentials to the " +
                      $"token_endpoint in {discovery} with the clientId and clientSecret in {credentialsFile ?? "the local issuer's credentials file"}.");
        }
        lines.Add("Status: ./build.sh Status   Logs: ./build.sh Logs [--service <name>] [--request-id <id from apigw-requestid>] [--follow]   Stop: ./build.sh Down");
        return lines;
    }

    static async Task<bool> HasOpenApiAsync(Uri url, string token, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await Client.SendAsync(request, cancellationToken);
            return response.IsSuccessStatusCode && (await response.Content.ReadAsStringAsync(cancellationToken)).Contains("\"openapi\"", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    static async Task<Uri?> FindMcpEndpointAsync(Uri gateway, ServiceManifest service, string token, CancellationToken cancellationToken)
    {
        foreach (var candidate in McpEndpointCandidates)
        {
            var url = new Uri(gateway, service.RoutePrefix + candidate);
            using var request = new HttpRequestMessage(HttpMethod.Post, url)
            {
                Content = new StringContent(
                    """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"deploy-summary","version":"1"}}}""",
                    Encoding.UTF8, "application/json"),
            };
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            try
            {
                using var response = await Client.SendAsync(request, cancellationToken);
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                if (!response.IsSuccessStatusCode || !body.Contains("\"protocolVersion\"", StringComparison.Ordinal))
                    continue;
                // Let the server drop the session this probe opened.
                if (response.Headers.TryGetValues("Mcp-Session-Id", out var sessions))
                {
                    using var end = new HttpRequestMessage(HttpMethod.Delete, url);
                    end.Headers.Add("Mcp-Session-Id", sessions.First());
                    end.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                    using var _ = await Client.SendAsync(end, cancellationToken);
                }
                return url;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
        }
        return null;
    }
}

/// <summary>What one service turned out to offer: interactive API docs, an MCP endpoint.</summary>
public sealed record ServiceOffer(ServiceManifest Service, bool HasApiDocs, Uri? McpEndpoint);
