using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;

namespace Mcp.Server.Tests;

/// <summary>
/// Which variable decides where the server listens. ASPNETCORE_URLS and ASPNETCORE_HTTP_PORTS reach the host's
/// configuration under Kestrel's keys (<see cref="WebHostDefaults.ServerUrlsKey"/>, <see cref="WebHostDefaults.HttpPortsKey"/>).
/// </summary>
public sealed class ListenPrecedenceTests
{
    private const string Urls = "http://127.0.0.1:5001;http://+:5002";
    private const string HttpPorts = "8081;8082";

    [Fact]
    public void Port_decides_when_it_is_set_and_the_server_binds_it_on_bind_address()
    {
        var settings = Settings(("PORT", "3100"), ("BIND_ADDRESS", "127.0.0.1"));

        settings.ListenSource.Should().Be(ListenSource.Port);
        settings.BindUrl.Should().Be("http://127.0.0.1:3100");
        settings.VariablesOverriddenByPort.Should().BeEmpty();
    }

    [Fact]
    public void Port_wins_over_aspnetcore_urls_and_http_ports_and_names_them_as_overridden()
    {
        var settings = Settings(("PORT", "3100"), (WebHostDefaults.ServerUrlsKey, Urls), (WebHostDefaults.HttpPortsKey, HttpPorts));

        settings.ListenSource.Should().Be(ListenSource.Port);
        settings.BindUrl.Should().Be("http://0.0.0.0:3100");
        settings.VariablesOverriddenByPort.Should().Equal(("ASPNETCORE_URLS", Urls), ("ASPNETCORE_HTTP_PORTS", HttpPorts));
    }

    [Fact]
    public void Port_overriding_only_http_ports_names_only_http_ports()
    {
        var settings = Settings(("PORT", "3100"), (WebHostDefaults.HttpPortsKey, HttpPorts));

        settings.VariablesOverriddenByPort.Should().Equal(("ASPNETCORE_HTTP_PORTS", HttpPorts));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void Aspnetcore_urls_decides_when_port_is_unset_or_empty_and_kestrel_binds_it(string port)
    {
        var settings = Settings(("PORT", port), (WebHostDefaults.ServerUrlsKey, Urls), (WebHostDefaults.HttpPortsKey, HttpPorts));

        settings.ListenSource.Should().Be(ListenSource.AspNetCoreUrls);
        settings.AspNetCoreUrls.Should().Be(Urls);
        settings.BindUrl.Should().BeNull("Kestrel binds ASPNETCORE_URLS itself");
        settings.VariablesOverriddenByPort.Should().BeEmpty();
    }

    [Fact]
    public void Aspnetcore_http_ports_decides_when_neither_port_nor_urls_is_set_and_kestrel_binds_it()
    {
        var settings = Settings((WebHostDefaults.ServerUrlsKey, ""), (WebHostDefaults.HttpPortsKey, HttpPorts));

        settings.ListenSource.Should().Be(ListenSource.AspNetCoreHttpPorts);
        settings.AspNetCoreHttpPorts.Should().Be(HttpPorts);
        settings.BindUrl.Should().BeNull("Kestrel binds ASPNETCORE_HTTP_PORTS itself");
    }

    [Fact]
    public void The_default_is_every_interface_on_port_3000_when_nothing_is_set()
    {
        var settings = Settings();

        settings.ListenSource.Should().Be(ListenSource.Default);
        settings.BindUrl.Should().Be("http://0.0.0.0:3000");
    }

    [Fact]
    public void The_image_clearing_aspnetcore_http_ports_leaves_the_default()
    {
        var settings = Settings((WebHostDefaults.HttpPortsKey, ""));

        settings.ListenSource.Should().Be(ListenSource.Default);
        settings.BindUrl.Should().Be("http://0.0.0.0:3000");
    }

    [Fact]
    public void An_ipv6_bind_address_is_bracketed_in_the_bind_url()
    {
        Settings(("PORT", "3100"), ("BIND_ADDRESS", "::")).BindUrl.Should().Be("http://[::]:3100");
    }

    [Fact]
    public void An_invalid_port_is_refused_even_when_aspnetcore_urls_is_set()
    {
        var read = () => Settings(("PORT", "http"), (WebHostDefaults.ServerUrlsKey, Urls));

        read.Should().Throw<InvalidOperationException>().WithMessage("*Set PORT to a number*");
    }

    private static ServiceSettings Settings(params (string Key, string Value)[] values) =>
        ServiceSettings.FromConfiguration(new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(pair => KeyValuePair.Create(pair.Key, (string?)pair.Value)))
            .Build());
}
