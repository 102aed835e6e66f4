using System.Net;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Pipeline.Gateway.Tests;

/// <summary>
/// The authorization code flow with PKCE through a real gateway whose issuer approves loopback redirects at once
/// (<c>LOCAL_AUTH_AUTO_APPROVE</c>), as a test or script drives it: codes, PKCE, redirect URI rules, resource binding,
/// and refresh-token rotation.
/// </summary>
public sealed class AuthorizationCodeTests : IAsyncLifetime
{
    const string RegisteredRedirect = "http://127.0.0.1:1234/callback";
    readonly ServicesFolder services = new("alpha", "mcp");
    LocalServer gateway = null!;
    OAuthTestClient oauth = null!;

    public async Task InitializeAsync()
    {
        gateway = await LocalServer.StartGatewayAsync(services.Path, new Dictionary<string, Uri>(), autoApprove: true);
        oauth = new OAuthTestClient(gateway.BaseAddress);
    }

    [Fact]
    public async Task A_registered_public_client_exchanges_its_code_and_verifier_for_an_access_token_and_a_refresh_token()
    {
        var clientId = await oauth.RegisterPublicClientAsync();
        var (verifier, challenge) = OAuthTestClient.Pkce();

        var code = await oauth.CodeAsync(clientId, RegisteredRedirect, challenge);
        using var response = await oauth.ExchangeAsync(clientId, code, RegisteredRedirect, verifier);

        var tokens = await OAuthTestClient.TokensOf(response);
        tokens.GetProperty("token_type").GetString().Should().Be("Bearer");
        tokens.GetProperty("scope").GetString().Should().Be("apigw-test/alpha apigw-test/mcp");
        tokens.GetProperty("refresh_token").GetString().Should().NotBeNullOrEmpty();
        var token = new JsonWebToken(tokens.GetProperty("access_token").GetString());
        token.Typ.Should().Be("at+jwt");
        token.GetClaim("client_id").Value.Should().Be(clientId);
        token.Audiences.Should().Equal(TestIssuer.Audience);
    }

    [Fact]
    public async Task A_loopback_redirect_matches_on_any_port_but_nothing_else_differs()
    {
        var clientId = await oauth.RegisterPublicClientAsync("loopback client", RegisteredRedirect, "http://localhost:1/cb", "http://[::1]:2/cb");
        var (verifier, challenge) = OAuthTestClient.Pkce();

        var otherPort = "http://127.0.0.1:53682/callback";
        var code = await oauth.CodeAsync(clientId, otherPort, challenge);
        using var localhost = await oauth.AuthorizeAsync(clientId, "http://localhost:40000/cb", challenge);
        using var ipv6 = await oauth.AuthorizeAsync(clientId, "http://[::1]:40001/cb", challenge);
        using var otherPath = await oauth.AuthorizeAsync(clientId, "http://127.0.0.1:53682/elsewhere", challenge);
        using var otherHost = await oauth.AuthorizeAsync(clientId, "http://localhost:53682/callback", challenge);

        (await oauth.ExchangeAsync(clientId, code, otherPort, verifier)).StatusCode.Should().Be(HttpStatusCode.OK);
        OAuthTestClient.Redirected(localhost).Should().ContainKey("code");
        OAuthTestClient.Redirected(ipv6).Should().ContainKey("code");
        foreach (var refused in new[] { otherPath, otherHost })
        {
            refused.StatusCode.Should().Be(HttpStatusCode.BadRequest, "a redirect URI that is not the client's is shown on the page, never followed");
            refused.Headers.Location.Should().BeNull();
            (await refused.Content.ReadAsStringAsync()).Should().Contain("is not one client");
        }
    }

    [Fact]
    public async Task A_non_loopback_redirect_must_match_exactly_and_is_not_approved_without_the_page()
    {
        var clientId = await oauth.RegisterPublicClientAsync("web client", "https://app.example/callback");
        var (_, challenge) = OAuthTestClient.Pkce();

        using var exact = await oauth.AuthorizeAsync(clientId, "https://app.example/callback", challenge);
        using var otherPort = await oauth.AuthorizeAsync(clientId, "https://app.example:8443/callback", challenge);
        using var withQuery = await oauth.AuthorizeAsync(clientId, "https://app.example/callback?x=1", challenge);

        exact.StatusCode.Should().Be(HttpStatusCode.OK, "auto-approval is for loopback redirects only; this one gets the consent page");
        (await exact.Content.ReadAsStringAsync()).Should().Contain("web client");
        otherPort.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        withQuery.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_wrong_verifier_a_reused_code_and_another_redirect_uri_are_invalid_grant()
    {
        var clientId = await oauth.RegisterPublicClientAsync();
        var (verifier, challenge) = OAuthTestClient.Pkce();
        var (otherVerifier, _) = OAuthTestClient.Pkce();

        var wrongVerifierCode = await oauth.CodeAsync(clientId, RegisteredRedirect, challenge);
        using var wrongVerifier = await oauth.ExchangeAsync(clientId, wrongVerifierCode, RegisteredRedirect, otherVerifier);
        var redirectCode = await oauth.CodeAsync(clientId, RegisteredRedirect, challenge);
        using var otherRedirect = await oauth.ExchangeAsync(clientId, redirectCode, "http://127.0.0.1:9999/callback", verifier);
        var code = await oauth.CodeAsync(clientId, RegisteredRedirect, challenge);
        using var first = await oauth.ExchangeAsync(clientId, code, RegisteredRedirect, verifier);
        using var second = await oauth.ExchangeAsync(clientId, code, RegisteredRedirect, verifier);
        var firstTokens = await OAuthTestClient.TokensOf(first);
        using var refreshAfterReuse = await oauth.TokenRequestAsync(new()
        {
            ["grant_type"] = "refresh_token", ["client_id"] = clientId, ["refresh_token"] = firstTokens.GetProperty("refresh_token").GetString()!,
        });

        (await OAuthTestClient.ErrorOf(wrongVerifier)).Should().Be((HttpStatusCode.BadRequest, "invalid_grant"));
        (await OAuthTestClient.ErrorOf(otherRedirect)).Should().Be((HttpStatusCode.BadRequest, "invalid_grant"));
        (await OAuthTestClient.ErrorOf(second)).Should().Be((HttpStatusCode.BadRequest, "invalid_grant"));
        (await OAuthTestClient.ErrorOf(refreshAfterReuse)).Should().Be((HttpStatusCode.BadRequest, "invalid_grant"),
            "a reused code may have been stolen, so the refresh token it gave is revoked");
    }

    [Fact]
    public async Task A_code_of_another_client_or_without_a_verifier_is_refused()
    {
        var clientId = await oauth.RegisterPublicClientAsync();
        var otherClient = await oauth.RegisterPublicClientAsync("other");
        var (verifier, challenge) = OAuthTestClient.Pkce();

        var code = await oauth.CodeAsync(clientId, RegisteredRedirect, challenge);
        using var stolen = await oauth.ExchangeAsync(otherClient, code, RegisteredRedirect, verifier);
        var secondCode = await oauth.CodeAsync(clientId, RegisteredRedirect, challenge);
        using var noVerifier = await oauth.TokenRequestAsync(new()
        {
            ["grant_type"] = "authorization_code", ["client_id"] = clientId, ["code"] = secondCode, ["redirect_uri"] = RegisteredRedirect,
        });

        (await OAuthTestClient.ErrorOf(stolen)).Should().Be((HttpStatusCode.BadRequest, "invalid_grant"));
        (await OAuthTestClient.ErrorOf(noVerifier)).Should().Be((HttpStatusCode.BadRequest, "invalid_request"));
    }

    [Theory]
    [InlineData("plain")]
    [InlineData(null)]
    public async Task Only_s256_is_accepted_and_the_refusal_goes_back_to_the_client_with_its_state(string? method)
    {
        var clientId = await oauth.RegisterPublicClientAsync();
        var (verifier, challenge) = OAuthTestClient.Pkce();

        using var response = await oauth.AuthorizeAsync(clientId, RegisteredRedirect, method == "plain" ? verifier : challenge, state: "s-42", method: method);
        using var noChallenge = await oauth.AuthorizeAsync(clientId, RegisteredRedirect, challenge: null, state: "s-43", method: null);

        var refused = OAuthTestClient.Redirected(response);
        refused["error"].Should().Be("invalid_request");
        refused["state"].Should().Be("s-42");
        refused["error_description"].Should().Contain("S256");
        response.Headers.Location!.GetLeftPart(UriPartial.Path).Should().Be(RegisteredRedirect);
        OAuthTestClient.Redirected(noChallenge)["state"].Should().Be("s-43");
        OAuthTestClient.Redirected(noChallenge)["error"].Should().Be("invalid_request");
    }

    [Fact]
    public async Task An_unknown_client_is_shown_on_the_page_and_an_unknown_scope_or_response_type_goes_back_as_an_error()
    {
        var clientId = await oauth.RegisterPublicClientAsync();
        var (_, challenge) = OAuthTestClient.Pkce();

        using var unknownClient = await oauth.AuthorizeAsync("no-such-client", RegisteredRedirect, challenge);
        using var unknownScope = await oauth.AuthorizeAsync(clientId, RegisteredRedirect, challenge, scope: "apigw-test/nothing");
        using var implicitFlow = await oauth.Http.GetAsync(OAuthTestClient.AuthorizePath(clientId, RegisteredRedirect, challenge, responseType: "token"));

        unknownClient.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        unknownClient.Headers.Location.Should().BeNull();
        (await unknownClient.Content.ReadAsStringAsync()).Should().Contain("no-such-client").And.Contain("register");
        OAuthTestClient.Redirected(unknownScope)["error"].Should().Be("invalid_scope");
        OAuthTestClient.Redirected(implicitFlow)["error"].Should().Be("unsupported_response_type");
    }

    [Fact]
    public async Task A_resource_binds_the_code_and_its_tokens_to_that_service_and_its_scope()
    {
        var clientId = await oauth.RegisterPublicClientAsync();
        var (verifier, challenge) = OAuthTestClient.Pkce();
        var resource = oauth.McpResource;

        var code = await oauth.CodeAsync(clientId, RegisteredRedirect, challenge, scope: "apigw-test/mcp apigw-test/alpha", resource: resource);
        using var exchanged = await oauth.ExchangeAsync(clientId, code, RegisteredRedirect, verifier, resource);
        var tokens = await OAuthTestClient.TokensOf(exchanged);
        using var refreshed = await oauth.TokenRequestAsync(new()
        {
            ["grant_type"] = "refresh_token", ["client_id"] = clientId, ["refresh_token"] = tokens.GetProperty("refresh_token").GetString()!,
        });
        var refreshedTokens = await OAuthTestClient.TokensOf(refreshed);
        using var foreign = await oauth.AuthorizeAsync(clientId, RegisteredRedirect, challenge, resource: "http://127.0.0.1:1/api/mcp");
        var otherCode = await oauth.CodeAsync(clientId, RegisteredRedirect, challenge, resource: resource);
        using var otherResource = await oauth.ExchangeAsync(clientId, otherCode, RegisteredRedirect, verifier, new Uri(gateway.BaseAddress, "/api/alpha").ToString());

        foreach (var answer in new[] { tokens, refreshedTokens })
        {
            answer.GetProperty("scope").GetString().Should().Be("apigw-test/mcp", "a token for the MCP server's resource gets the MCP scope only");
            new JsonWebToken(answer.GetProperty("access_token").GetString()).Audiences.Should().Equal(TestIssuer.Audience, resource);
        }
        OAuthTestClient.Redirected(foreign)["error"].Should().Be("invalid_target");
        (await OAuthTestClient.ErrorOf(otherResource)).Should().Be((HttpStatusCode.BadRequest, "invalid_target"));
    }

    [Fact]
    public async Task A_refresh_token_is_rotated_and_a_reused_one_revokes_its_whole_chain()
    {
        var clientId = await oauth.RegisterPublicClientAsync();
        var (verifier, challenge) = OAuthTestClient.Pkce();
        var code = await oauth.CodeAsync(clientId, RegisteredRedirect, challenge);
        var first = (await OAuthTestClient.TokensOf(await oauth.ExchangeAsync(clientId, code, RegisteredRedirect, verifier))).GetProperty("refresh_token").GetString()!;
        Task<HttpResponseMessage> RefreshAsync(string token, string client) => oauth.TokenRequestAsync(new()
        {
            ["grant_type"] = "refresh_token", ["client_id"] = client, ["refresh_token"] = token,
        });
        var otherClient = await oauth.RegisterPublicClientAsync("other");

        using var wrongClient = await RefreshAsync(first, otherClient);
        var second = (await OAuthTestClient.TokensOf(await RefreshAsync(first, clientId))).GetProperty("refresh_token").GetString()!;
        using var replay = await RefreshAsync(first, clientId);
        using var afterReplay = await RefreshAsync(second, clientId);

        second.Should().NotBe(first);
        (await OAuthTestClient.ErrorOf(wrongClient)).Should().Be((HttpStatusCode.BadRequest, "invalid_grant"));
        (await OAuthTestClient.ErrorOf(replay)).Should().Be((HttpStatusCode.BadRequest, "invalid_grant"));
        (await replay.Content.ReadAsStringAsync()).Should().Contain("revoked");
        (await OAuthTestClient.ErrorOf(afterReplay)).Should().Be((HttpStatusCode.BadRequest, "invalid_grant"), "the replay revoked the rotated token too");
    }

    [Fact]
    public async Task The_environments_client_has_no_code_flow_and_a_public_client_no_client_credentials()
    {
        var publicClient = await oauth.RegisterPublicClientAsync();
        var (_, challenge) = OAuthTestClient.Pkce();

        using var environmentClient = await oauth.AuthorizeAsync(TestIssuer.Credentials.ClientId, RegisteredRedirect, challenge);
        using var credentials = await oauth.TokenRequestAsync(new() { ["grant_type"] = "client_credentials", ["client_id"] = publicClient });

        environmentClient.StatusCode.Should().Be(HttpStatusCode.BadRequest, "the environment's client registered no redirect URI");
        (await OAuthTestClient.ErrorOf(credentials)).Should().Be((HttpStatusCode.BadRequest, "unauthorized_client"));
    }

    public async Task DisposeAsync()
    {
        oauth.Dispose();
        await gateway.DisposeAsync();
        services.Dispose();
    }
}
