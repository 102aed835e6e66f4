using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;

namespace Mcp.Server.Tests;

/// <summary>The health check asks the address the server listens on, found by the server's own precedence.</summary>
public sealed class HealthCheckUrlTests
{
    [Theory]
    [InlineData("127.0.0.1", "http://127.0.0.1:3100/health")]
    [InlineData("0.0.0.0", "http://127.0.0.1:3100/health")]
    [InlineData("::", "http://[::1]:3100/health")]
    [InlineData("10.1.2.3", "http://10.1.2.3:3100/health")]
    public void Port_is_checked_on_bind_address_with_wildcards_meaning_loopback(string bindAddress, string expected)
    {
        var url = HealthUrl(("PORT", "3100"), ("BIND_ADDRESS", bindAddress), (WebHostDefaults.ServerUrlsKey, "http://127.0.0.1:5001"));

        url.Should().Be(new Uri(expected));
    }

    [Theory]
    [InlineData("http://+:8080", "http://127.0.0.1:8080/health")]
    [InlineData("http://*:8080", "http://127.0.0.1:8080/health")]
    [InlineData("http://0.0.0.0:8080", "http://127.0.0.1:8080/health")]
    [InlineData("http://localhost:8080", "http://127.0.0.1:8080/health")]
    [InlineData("http://example.com:8080", "http://127.0.0.1:8080/health")]
    [InlineData("http://[::]:8080", "http://[::1]:8080/health")]
    [InlineData("http://[::1]:8080", "http://[::1]:8080/health")]
    [InlineData("http://127.0.0.2:8080/", "http://127.0.0.2:8080/health")]
    [InlineData("http://+", "http://127.0.0.1:80/health")]
    [InlineData(" http://+:8080 ; http://+:8081", "http://127.0.0.1:8080/health")]
    [InlineData("https://+:8443;http://+:8080", "http://127.0.0.1:8080/health")]
    [InlineData("https://+:8443", "https://127.0.0.1:8443/health")]
    [InlineData("http://unix:/tmp/mcp.sock;http://+:8080", "http://127.0.0.1:8080/health")]
    public void Aspnetcore_urls_is_checked_on_its_first_http_url_when_port_is_unset(string urls, string expected)
    {
        var url = HealthUrl((WebHostDefaults.ServerUrlsKey, urls), (WebHostDefaults.HttpPortsKey, "9999"));

        url.Should().Be(new Uri(expected));
    }

    [Theory]
    [InlineData("8080", "http://127.0.0.1:8080/health")]
    [InlineData(" 8081 ; 8082", "http://127.0.0.1:8081/health")]
    public void Aspnetcore_http_ports_is_checked_on_its_first_port_when_port_and_urls_are_unset(string httpPorts, string expected)
    {
        var url = HealthUrl((WebHostDefaults.HttpPortsKey, httpPorts));

        url.Should().Be(new Uri(expected));
    }

    [Fact]
    public void The_default_port_is_checked_when_nothing_is_set()
    {
        HealthUrl().Should().Be(new Uri("http://127.0.0.1:3000/health"));
    }

    [Fact]
    public void The_health_path_setting_is_used()
    {
        HealthUrl(("HEALTH_PATH", "/healthz"), (WebHostDefaults.ServerUrlsKey, "http://+:8080"))
            .Should().Be(new Uri("http://127.0.0.1:8080/healthz"));
    }

    [Theory]
    [InlineData("urls", "http://127.0.0.1:0", "ASPNETCORE_URLS asks for port 0*")]
    [InlineData("urls", "127.0.0.1:8080", "ASPNETCORE_URLS has '127.0.0.1:8080', which is not a URL*")]
    [InlineData("urls", "http://unix:/tmp/mcp.sock", "ASPNETCORE_URLS is 'http://unix:/tmp/mcp.sock', which has no TCP address*")]
    [InlineData("http_ports", "web", "ASPNETCORE_HTTP_PORTS starts with 'web', which is not a TCP port*")]
    [InlineData("PORT", "0", "PORT asks for port 0*")]
    public async Task An_address_that_cannot_be_checked_fails_the_check_and_says_why(string key, string value, string message)
    {
        var output = new StringWriter();

        var exitCode = await HealthCheckCommand.RunAsync(Configuration((key, value)), output);

        exitCode.Should().Be(1);
        output.ToString().Should().Match($"health check: {message}");
    }

    private static Uri HealthUrl(params (string Key, string Value)[] values) =>
        HealthCheckCommand.HealthUrl(ServiceSettings.FromConfiguration(Configuration(values)));

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(pair => KeyValuePair.Create(pair.Key, (string?)pair.Value))).Build();
}
