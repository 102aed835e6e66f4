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

    [Theory]
    [InlineData("PORT", "http", "Set PORT to a number")]
    [InlineData("PORT", "70000", "Set PORT to a number")]
    [InlineData("SERVICE_URL_FASTAPI", "fastapi:8000", "Set it to the fastapi base URL")]
    public void Invalid_values_are_refused_with_the_fix(string key, string value, string fix)
    {
        var read = () => ServiceSettings.FromConfiguration(Configuration((key, value)));

        read.Should().Throw<InvalidOperationException>().WithMessage($"*{fix}*");
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(pair => KeyValuePair.Create(pair.Key, (string?)pair.Value))).Build();
}
