using Microsoft.Extensions.Configuration;

namespace Mcp.Server.Tests;

public sealed class ServiceSettingsTests
{
    [Fact]
    public void Defaults_match_the_manifest_when_the_environment_is_empty()
    {
        var settings = ServiceSettings.FromConfiguration(Configuration());

        settings.Port.Should().Be(3000);
        settings.BindAddress.Should().Be("0.0.0.0");
        settings.Version.Should().Be("dev");
        settings.RootPath.Should().BeEmpty();
        settings.FastApiBaseUrl.Should().BeNull();
        settings.AllowedOrigins.Should().BeSameAs(OriginPolicy.Default);
        settings.MaxRequestBodyBytes.Should().Be(1024 * 1024, "1 MB unless MAX_REQUEST_BODY_BYTES says otherwise");
    }

    [Fact]
    public void The_environment_sets_port_address_version_prefix_and_fastapi_url()
    {
        var settings = ServiceSettings.FromConfiguration(Configuration(
            ("PORT", "3100"), ("BIND_ADDRESS", "127.0.0.1"), ("SERVICE_VERSION", "abc123"),
            ("ROOT_PATH", "/api/mcp/"), ("SERVICE_URL_FASTAPI", "http://127.0.0.1:8000/")));

        settings.Port.Should().Be(3100);
        settings.BindAddress.Should().Be("127.0.0.1");
        settings.Version.Should().Be("abc123");
        settings.RootPath.Should().Be("/api/mcp");
        settings.FastApiBaseUrl.Should().Be(new Uri("http://127.0.0.1:8000"));
    }

    [Fact]
    public void The_environment_sets_the_token_issuer_audience_and_public_base_url()
    {
        var settings = ServiceSettings.FromConfiguration(Configuration(
            ("AUTH_ISSUER", "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC"), ("AUTH_AUDIENCE", "app-client-id"), ("AUTH_SCOPE", "apigw-dev/mcp"),
            ("PUBLIC_BASE_URL", "https://abc.execute-api.eu-west-1.amazonaws.com/"), ("ROOT_PATH", "api/mcp")));

        var requirement = settings.RequireTokenValidation();

        requirement.IssuerText.Should().Be("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC");
        requirement.DiscoveryUrl.Should().Be("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC/.well-known/openid-configuration");
        requirement.Audience.Should().Be("app-client-id");
        requirement.Scope.Should().Be("apigw-dev/mcp");
        settings.PublicBaseUrl.Should().Be(new Uri("https://abc.execute-api.eu-west-1.amazonaws.com"));
        settings.RootPath.Should().Be("/api/mcp");
    }

    [Fact]
    public void An_issuer_with_a_trailing_slash_keeps_it_because_tokens_carry_it_exactly()
    {
        var settings = ServiceSettings.FromConfiguration(Configuration(("AUTH_ISSUER", "https://tenant.auth0.example/"), ("AUTH_AUDIENCE", "api"), ("AUTH_SCOPE", "apigw-dev/mcp")));

        settings.RequireTokenValidation().IssuerText.Should().Be("https://tenant.auth0.example/");
        settings.RequireTokenValidation().DiscoveryUrl.Should().Be("https://tenant.auth0.example/.well-known/openid-configuration");
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/_auth")]
    [InlineData("http://localhost:8080/_auth")]
    public void A_plain_http_issuer_is_accepted_on_the_loopback_only(string issuer)
    {
        var settings = ServiceSettings.FromConfiguration(Configuration(("AUTH_ISSUER", issuer), ("AUTH_AUDIENCE", "api")));

        settings.AuthIssuer.Should().Be(new Uri(issuer));
    }

    [Theory]
    [InlineData("PORT", "http", "Set PORT to a number")]
    [InlineData("PORT", "70000", "Set PORT to a number")]
    [InlineData("SERVICE_URL_FASTAPI", "fastapi:8000", "Set it to the fastapi base URL")]
    [InlineData("AUTH_ISSUER", "cognito-idp.eu-west-1.amazonaws.com/pool", "not an issuer URL")]
    [InlineData("AUTH_ISSUER", "http://issuer.example.com/realm", "Use its https URL")]
    [InlineData("PUBLIC_BASE_URL", "abc.execute-api.eu-west-1.amazonaws.com", "Set it to the public address")]
    [InlineData("AUTH_SCOPE", "apigw-dev/mcp apigw-dev/fastapi", "not one OAuth scope")]
    [InlineData("MAX_REQUEST_BODY_BYTES", "1MB", "not a positive number of bytes")]
    [InlineData("MAX_REQUEST_BODY_BYTES", "0", "not a positive number of bytes")]
    public void Invalid_values_are_refused_with_the_fix(string key, string value, string fix)
    {
        var read = () => ServiceSettings.FromConfiguration(Configuration((key, value)));

        read.Should().Throw<InvalidOperationException>().WithMessage($"*{fix}*");
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(pair => KeyValuePair.Create(pair.Key, (string?)pair.Value))).Build();
}
