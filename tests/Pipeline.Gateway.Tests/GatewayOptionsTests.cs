namespace Pipeline.Gateway.Tests;

public sealed class GatewayOptionsTests
{
    [Fact]
    public void Command_line_options_are_read()
    {
        var options = GatewayOptions.Parse([
            "--services-dir", "/srv/services", "--urls", "http://127.0.0.1:9090",
            "--upstream", "fastapi=http://127.0.0.1:18000", "--activity-timeout", "2.5", "--integration-timeout", "12", "--reuse-port",
            "--issuer-file", "/srv/artifacts/local/local-issuer.json",
        ]);

        options.ServicesDirectory.Should().Be("/srv/services");
        options.Urls.Should().Be("http://127.0.0.1:9090");
        options.UpstreamOverrides["fastapi"].Should().Be(new Uri("http://127.0.0.1:18000"));
        options.ActivityTimeout.Should().Be(TimeSpan.FromSeconds(2.5));
        options.IntegrationTimeout.Should().Be(TimeSpan.FromSeconds(12));
        options.ReusePort.Should().BeTrue();
        options.AdminToken.Should().BeNull("the admin token never comes from the command line");
        options.IssuerFile.Should().Be("/srv/artifacts/local/local-issuer.json");
        options.IssuerCredentials.Should().BeNull("the signing key is read from the file, never passed on the command line");
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("TRUE", true)]
    [InlineData("1", true)]
    [InlineData("false", false)]
    [InlineData("yes", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Auto_approval_is_on_only_for_an_explicit_true(string? value, bool on)
    {
        GatewayOptions.IsAutoApprove(value).Should().Be(on);
    }

    [Theory]
    [InlineData("--upstream", "fastapi")]
    [InlineData("--upstream", "=http://127.0.0.1:1")]
    [InlineData("--activity-timeout", "soon")]
    [InlineData("--integration-timeout", "0")]
    [InlineData("--port", "80")]
    [InlineData("--urls")]
    public void A_bad_argument_is_named_with_the_usage(params string[] args)
    {
        var parse = () => GatewayOptions.Parse(args);

        parse.Should().Throw<ArgumentException>().WithMessage($"*{args[0]}*").WithMessage("*usage: Pipeline.Gateway*");
    }

    [Fact]
    public void A_gateway_without_the_local_issuer_credentials_does_not_start()
    {
        using var services = new ServicesFolder("alpha");

        var create = () => GatewayApp.Create(new GatewayOptions { ServicesDirectory = services.Path });

        create.Should().Throw<ArgumentException>().WithMessage("*--issuer-file*./build.sh Deploy*");
    }

    [Fact]
    public void A_missing_credentials_file_is_named_with_the_command_that_makes_it()
    {
        using var services = new ServicesFolder("alpha");
        var missing = System.IO.Path.Combine(services.Path, "nowhere", "local-issuer.json");

        var create = () => GatewayApp.Create(new GatewayOptions { ServicesDirectory = services.Path, IssuerFile = missing });

        create.Should().Throw<Pipeline.Manifests.ManifestException>().WithMessage($"*{missing}*does not exist*./build.sh Deploy*");
    }

    [Fact]
    public void An_upstream_override_for_a_service_without_manifest_is_refused()
    {
        using var services = new ServicesFolder("alpha");

        var create = () => GatewayApp.Create(new GatewayOptions
        {
            ServicesDirectory = services.Path,
            IssuerCredentials = TestIssuer.Credentials,
            UpstreamOverrides = new Dictionary<string, Uri> { ["omega"] = new("http://127.0.0.1:1") },
        });

        create.Should().Throw<ArgumentException>().WithMessage("*'omega'*alpha*");
    }
}
