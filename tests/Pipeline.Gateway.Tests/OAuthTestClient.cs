using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace Pipeline.Gateway.Tests;

/// <summary>
/// The steps an OAuth client takes against the gateway's issuer, over HTTP and without following redirects (the redirect
/// is what a test looks at): PKCE pairs, registration, the authorization request, the token requests.
/// </summary>
sealed class OAuthTestClient(Uri gateway) : IDisposable
{
    public HttpClient Http { get; } = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false }) { BaseAddress = gateway };

    /// <summary>A PKCE verifier and its S256 challenge (RFC 7636).</summary>
    public static (string Verifier, string Challenge) Pkce()
    {
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        return (verifier, Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }

    public string McpResource => new Uri(gateway, "/api/mcp/mcp").ToString();

    public Task<HttpResponseMessage> PostRegistrationAsync(object metadata) => Http.PostAsJsonAsync("/_auth/register", metadata);

    /// <summary>Registers a client and returns the registration answer (201).</summary>
    public async Task<JsonElement> RegisterAsync(object metadata)
    {
        using var response = await PostRegistrationAsync(metadata);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.Created, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>A public client (no secret) of the code flow, with loopback and https redirect URIs.</summary>
    public async Task<string> RegisterPublicClientAsync(string name = "test client", params string[] redirectUris)
    {
        var registered = await RegisterAsync(new
        {
            client_name = name,
            redirect_uris = redirectUris.Length > 0 ? redirectUris : ["http://127.0.0.1:1234/callback"],
            grant_types = new[] { "authorization_code", "refresh_token" },
            response_types = new[] { "code" },
            token_endpoint_auth_method = "none",
        });
        return registered.GetProperty("client_id").GetString()!;
    }

    public static string AuthorizePath(
        string clientId, string redirectUri, string? challenge, string? state = "state-123", string? scope = null, string? resource = null,
        string? method = "S256", string responseType = "code")
    {
        var query = new Dictionary<string, string?> { ["response_type"] = responseType, ["client_id"] = clientId, ["redirect_uri"] = redirectUri };
        if (challenge is not null) query["code_challenge"] = challenge;
        if (method is not null) query["code_challenge_method"] = method;
        if (state is not null) query["state"] = state;
        if (scope is not null) query["scope"] = scope;
        if (resource is not null) query["resource"] = resource;
        return QueryHelpers.AddQueryString("/_auth/authorize", query);
    }

    public Task<HttpResponseMessage> AuthorizeAsync(
        string clientId, string redirectUri, string? challenge, string? state = "state-123", string? scope = null, string? resource = null, string? method = "S256") =>
        Http.GetAsync(AuthorizePath(clientId, redirectUri, challenge, state, scope, resource, method));

    /// <summary>The query parameters of a redirect's Location.</summary>
    public static Dictionary<string, string> Redirected(HttpResponseMessage response)
    {
        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        var location = response.Headers.Location!;
        return QueryHelpers.ParseQuery(location.Query).ToDictionary(p => p.Key, p => p.Value.ToString());
    }

    /// <summary>A code from a gateway that approves loopback redirects at once.</summary>
    public async Task<string> CodeAsync(string clientId, string redirectUri, string challenge, string? scope = null, string? resource = null)
    {
        using var response = await AuthorizeAsync(clientId, redirectUri, challenge, scope: scope, resource: resource);
        var parameters = Redirected(response);
        parameters.Should().ContainKey("code", $"the redirect was {response.Headers.Location}");
        parameters["state"].Should().Be("state-123");
        return parameters["code"];
    }

    public Task<HttpResponseMessage> TokenRequestAsync(Dictionary<string, string> form, AuthenticationHeaderValue? authorization = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/_auth/token") { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = authorization;
        return Http.SendAsync(request);
    }

    public Task<HttpResponseMessage> ExchangeAsync(string clientId, string code, string redirectUri, string verifier, string? resource = null)
    {
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["client_id"] = clientId, ["code"] = code, ["redirect_uri"] = redirectUri, ["code_verifier"] = verifier,
        };
        if (resource is not null) form["resource"] = resource;
        return TokenRequestAsync(form);
    }

    /// <summary>A successful token answer's JSON.</summary>
    public static async Task<JsonElement> TokensOf(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>An error answer's status and <c>error</c>.</summary>
    public static async Task<(HttpStatusCode, string?)> ErrorOf(HttpResponseMessage response) =>
        (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());

    public static AuthenticationHeaderValue Basic(string id, string secret) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(id)}:{Uri.EscapeDataString(secret)}")));

    static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public void Dispose() => Http.Dispose();
}
