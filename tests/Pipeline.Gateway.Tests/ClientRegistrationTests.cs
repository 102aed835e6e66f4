using System.Net;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Pipeline.Gateway.Tests;

/// <summary>
/// How clients become known to the issuer: Dynamic Client Registration (RFC 7591), kept in the issuer's state file across
/// a gateway replacement, and Client ID Metadata Documents fetched from a server on 127.0.0.1.
/// </summary>
public sealed class ClientRegistrationTests : IAsyncLifetime
{
    readonly ServicesFolder services = new("alpha", "mcp");
    readonly string stateFolder = Path.Combine(Path.GetTempPath(), "issuer-state-" + Guid.NewGuid().ToString("N"));
    LocalServer gateway = null!;
    OAuthTestClient oauth = null!;

    string StateFile => Path.Combine(stateFolder, Pipeline.Manifests.LocalIssuerCredentials.StateFileName);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(stateFolder);
        gateway = await LocalServer.StartGatewayAsync(services.Path, new Dictionary<string, Uri>(), autoApprove: true, issuerStateFile: StateFile);
        oauth = new OAuthTestClient(gateway.BaseAddress);
    }

    [Fact]
    public async Task A_public_client_registers_and_gets_its_metadata_back_with_a_client_id_and_no_secret()
    {
        var registered = await oauth.RegisterAsync(new
        {
            client_name = "MCP Inspector",
            redirect_uris = new[] { "http://localhost:6274/oauth/callback", "https://inspector.example/callback" },
            grant_types = new[] { "authorization_code", "refresh_token" },
            response_types = new[] { "code" },
            token_endpoint_auth_method = "none",
        });

        registered.GetProperty("client_id").GetString().Should().StartWith("dcr-");
        registered.GetProperty("client_id_issued_at").GetInt64().Should().BeCloseTo(DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 60);
        registered.GetProperty("client_name").GetString().Should().Be("MCP Inspector");
        registered.GetProperty("token_endpoint_auth_method").GetString().Should().Be("none");
        registered.GetProperty("redirect_uris").EnumerateArray().Select(e => e.GetString()).Should().Equal("http://localhost:6274/oauth/callback", "https://inspector.example/callback");
        registered.TryGetProperty("client_secret", out _).Should().BeFalse();
    }

    [Fact]
    public async Task A_confidential_client_gets_a_secret_once_and_authenticates_with_it()
    {
        var registered = await oauth.RegisterAsync(new
        {
            client_name = "batch job",
            grant_types = new[] { "client_credentials" },
            response_types = Array.Empty<string>(),
            token_endpoint_auth_method = "client_secret_post",
        });
        var clientId = registered.GetProperty("client_id").GetString()!;
        var secret = registered.GetProperty("client_secret").GetString()!;

        using var post = await oauth.TokenRequestAsync(new() { ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret, ["scope"] = "apigw-test/alpha" });
        using var basic = await oauth.TokenRequestAsync(new() { ["grant_type"] = "client_credentials" }, OAuthTestClient.Basic(clientId, secret));
        using var wrong = await oauth.TokenRequestAsync(new() { ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = "nope" });
        using var noSecret = await oauth.TokenRequestAsync(new() { ["grant_type"] = "client_credentials", ["client_id"] = clientId });

        registered.GetProperty("client_secret_expires_at").GetInt64().Should().Be(0);
        (await OAuthTestClient.TokensOf(post)).GetProperty("scope").GetString().Should().Be("apigw-test/alpha");
        new JsonWebToken((await OAuthTestClient.TokensOf(basic)).GetProperty("access_token").GetString()).GetClaim("client_id").Value.Should().Be(clientId);
        (await OAuthTestClient.ErrorOf(wrong)).Should().Be((HttpStatusCode.Unauthorized, "invalid_client"));
        (await OAuthTestClient.ErrorOf(noSecret)).Should().Be((HttpStatusCode.Unauthorized, "invalid_client"));
        (await File.ReadAllTextAsync(StateFile)).Should().NotContain(secret, "only the secret's hash is kept");
    }

    [Theory]
    [InlineData("""{"redirect_uris":["http://app.example/callback"],"token_endpoint_auth_method":"none"}""", "invalid_redirect_uri")]
    [InlineData("""{"redirect_uris":["https://app.example/callback#frag"],"token_endpoint_auth_method":"none"}""", "invalid_redirect_uri")]
    [InlineData("""{"redirect_uris":["not a url"],"token_endpoint_auth_method":"none"}""", "invalid_redirect_uri")]
    [InlineData("""{"token_endpoint_auth_method":"none"}""", "invalid_redirect_uri")]
    [InlineData("""{"redirect_uris":["https://app.example/cb"],"grant_types":["implicit"]}""", "invalid_client_metadata")]
    [InlineData("""{"redirect_uris":["https://app.example/cb"],"response_types":["token"]}""", "invalid_client_metadata")]
    [InlineData("""{"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"private_key_jwt"}""", "invalid_client_metadata")]
    [InlineData("""{"grant_types":["client_credentials"],"response_types":[],"token_endpoint_auth_method":"none"}""", "invalid_client_metadata")]
    [InlineData("""["not an object"]""", "invalid_client_metadata")]
    public async Task Metadata_that_cannot_be_honoured_is_refused_with_the_rfc_7591_error(string metadata, string error)
    {
        using var response = await oauth.Http.PostAsync("/_auth/register", new StringContent(metadata, System.Text.Encoding.UTF8, "application/json"));

        (await OAuthTestClient.ErrorOf(response)).Should().Be((HttpStatusCode.BadRequest, error));
    }

    [Fact]
    public async Task Registered_clients_and_refresh_tokens_survive_a_gateway_replacement_in_an_owner_only_file()
    {
        var clientId = await oauth.RegisterPublicClientAsync("survivor");
        var (verifier, challenge) = OAuthTestClient.Pkce();
        var code = await oauth.CodeAsync(clientId, "http://127.0.0.1:1234/callback", challenge);
        var refreshToken = (await OAuthTestClient.TokensOf(await oauth.ExchangeAsync(clientId, code, "http://127.0.0.1:1234/callback", verifier)))
            .GetProperty("refresh_token").GetString()!;

        await using var replacement = await LocalServer.StartGatewayAsync(services.Path, new Dictionary<string, Uri>(), autoApprove: true, issuerStateFile: StateFile);
        using var next = new OAuthTestClient(replacement.BaseAddress);
        using var refreshed = await next.TokenRequestAsync(new() { ["grant_type"] = "refresh_token", ["client_id"] = clientId, ["refresh_token"] = refreshToken });
        using var authorize = await next.AuthorizeAsync(clientId, "http://127.0.0.1:4321/callback", challenge);

        (await OAuthTestClient.TokensOf(refreshed)).GetProperty("refresh_token").GetString().Should().NotBe(refreshToken);
        OAuthTestClient.Redirected(authorize).Should().ContainKey("code");
        if (!OperatingSystem.IsWindows())
            File.GetUnixFileMode(StateFile).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        (await File.ReadAllTextAsync(StateFile)).Should().NotContain(refreshToken, "refresh tokens are kept as hashes only");
    }

    [Fact]
    public async Task A_client_id_metadata_document_on_127_0_0_1_names_a_public_client_that_completes_the_code_flow()
    {
        var served = new Dictionary<string, string>();
        await using var documents = await LocalServer.StartUpstreamAsync(app => app.MapGet("/clients/{name}.json", (string name) =>
            served.TryGetValue(name, out var json) ? Results.Text(json, "application/json") : Results.NotFound()));
        var clientId = new Uri(documents.BaseAddress, "/clients/editor.json").ToString();
        served["editor"] = JsonSerializer.Serialize(new
        {
            client_id = clientId, client_name = "Editor", redirect_uris = new[] { "http://127.0.0.1:33418/" }, token_endpoint_auth_method = "none",
        });
        var impostor = new Uri(documents.BaseAddress, "/clients/impostor.json").ToString();
        served["impostor"] = JsonSerializer.Serialize(new { client_id = clientId, redirect_uris = new[] { "http://127.0.0.1:1/" } });
        var (verifier, challenge) = OAuthTestClient.Pkce();

        var code = await oauth.CodeAsync(clientId, "http://127.0.0.1:50000/", challenge);
        using var exchanged = await oauth.ExchangeAsync(clientId, code, "http://127.0.0.1:50000/", verifier);
        using var mismatched = await oauth.AuthorizeAsync(impostor, "http://127.0.0.1:1/", challenge);
        using var missing = await oauth.AuthorizeAsync(new Uri(documents.BaseAddress, "/clients/none.json").ToString(), "http://127.0.0.1:1/", challenge);
        using var notLoopback = await oauth.AuthorizeAsync("http://app.example/client.json", "http://127.0.0.1:1/", challenge);

        new JsonWebToken((await OAuthTestClient.TokensOf(exchanged)).GetProperty("access_token").GetString()).GetClaim("client_id").Value.Should().Be(clientId);
        mismatched.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await mismatched.Content.ReadAsStringAsync()).Should().Contain("must name that same URL as its client_id");
        missing.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await missing.Content.ReadAsStringAsync()).Should().Contain("404");
        notLoopback.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    public async Task DisposeAsync()
    {
        oauth.Dispose();
        await gateway.DisposeAsync();
        services.Dispose();
        Directory.Delete(stateFolder, recursive: true);
    }
}
