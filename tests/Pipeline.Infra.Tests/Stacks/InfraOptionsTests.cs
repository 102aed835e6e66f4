namespace Pipeline.Infra.Tests.Stacks;

public sealed class InfraOptionsTests
{
    static InfraOptions Parse(params string[] args) => InfraOptions.Parse(args, _ => null);

    [Fact]
    public void Command_line_sets_environment_nat_stacks_and_image_tags()
    {
        var options = Parse("--environment", "prod", "--nat-gateways", "2", "--stack", "registry", "--image", "fastapi=3f2a9c1d0b7e", "--region", "eu-west-1");

        options.Environment.Should().Be("prod");
        options.NatGateways.Should().Be(2);
        options.Stacks.Should().Be(StackSelection.Registry);
        options.Region.Should().Be("eu-west-1");
        options.ImageTagFor("fastapi").Should().Be("3f2a9c1d0b7e");
    }

    [Theory]
    [InlineData("registry", StackSelection.Registry)]
    [InlineData("shared", StackSelection.Shared)]
    [InlineData("services", StackSelection.Services)]
    [InlineData("all", StackSelection.Registry | StackSelection.Shared | StackSelection.Services)]
    [InlineData("app", StackSelection.Shared | StackSelection.Services)]
    public void Stack_selects_registry_shared_services_or_all_and_app_still_means_shared_and_services(string value, StackSelection expected) =>
        Parse("--stack", value).Stacks.Should().Be(expected);

    [Fact]
    public void A_strategy_and_bake_time_apply_to_every_service_or_to_the_one_they_name_and_otherwise_the_manifest_decides()
    {
        var manifest = new Pipeline.Manifests.ServiceManifest
        {
            Name = "fastapi", Port = 8000, RoutePrefix = "/api/fastapi",
            Deployment = new Pipeline.Manifests.RolloutStrategy { Strategy = "canary", BakeTimeMinutes = 5 },
        };
        var other = manifest with { Name = "mcp" };

        Parse().RolloutFor(manifest).Should().Be(manifest.Deployment, "no override keeps the manifest's");
        Parse("--strategy", "rolling", "--bake-time", "0").RolloutFor(other).Should().Be(manifest.Deployment with { Strategy = "rolling", BakeTimeMinutes = 0 });
        var one = InfraOptions.Parse([], key => key switch { "strategy" => "fastapi=blue-green", "bakeTime" => "fastapi=12", _ => null });
        one.RolloutFor(manifest).Should().Be(manifest.Deployment with { Strategy = "blue-green", BakeTimeMinutes = 12 });
        one.RolloutFor(other).Should().Be(manifest.Deployment, "the context named fastapi only");
        // A service's own entry wins over the one for every service, whichever comes first.
        Parse("--strategy", "fastapi=linear", "--strategy", "rolling").RolloutFor(manifest).Kind.Should().Be(Pipeline.Manifests.RolloutKind.Linear);
    }

    [Theory]
    [InlineData("--strategy", "big-bang", "--strategy big-bang: unknown deployment strategy 'big-bang'. Use one of: rolling, blue-green, canary, linear.")]
    [InlineData("--bake-time", "fastapi=forever", "--bake-time fastapi=forever: 'forever' is not a whole number of minutes from 0 to 1440*")]
    [InlineData("--bake-time", "1441", "--bake-time 1441: '1441' is not a whole number of minutes from 0 to 1440*")]
    public void A_strategy_or_bake_time_ECS_would_refuse_is_an_error_that_says_what_it_takes(string option, string value, string message) =>
        FluentActions.Invoking(() => Parse(option, value)).Should().Throw<InfraOptionsException>().WithMessage(message);

    [Fact]
    public void Every_stack_is_synthesized_by_default() =>
        Parse().Stacks.Should().Be(StackSelection.All).And.HaveFlag(StackSelection.Registry).And.HaveFlag(StackSelection.Shared).And.HaveFlag(StackSelection.Services);

    [Fact]
    public void Deletion_protection_comes_from_the_command_line_or_context_and_is_off_by_default()
    {
        Parse().DeletionProtection.Should().BeFalse();
        Parse("--deletion-protection", "true").DeletionProtection.Should().BeTrue();
        Parse("--deletion-protection", "false").DeletionProtection.Should().BeFalse();
        InfraOptions.Parse([], key => key == "deletionProtection" ? "true" : null).DeletionProtection.Should().BeTrue();
        FluentActions.Invoking(() => Parse("--deletion-protection", "yes")).Should().Throw<InfraOptionsException>()
            .WithMessage("--deletion-protection 'yes' must be true*or false.");
    }

    [Fact]
    public void Keep_deployed_images_comes_from_the_command_line_or_context_and_defaults_to_ten()
    {
        Parse().KeepDeployedImages.Should().Be(10);
        Parse("--keep-deployed-images", "25").KeepDeployedImages.Should().Be(25);
        InfraOptions.Parse([], key => key == "keepDeployedImages" ? "7" : null).KeepDeployedImages.Should().Be(7);
    }

    [Fact]
    public void Identity_provider_and_alarm_subscribers_come_from_the_command_line_or_context()
    {
        var options = Parse("--jwt-issuer", "https://login.example.com/t/v2.0", "--jwt-audience", "api://apigw-dev",
            "--alarm-email", "oncall@example.com", "--alarm-https-endpoint", "https://hooks.example.com/x");
        options.JwtIssuer.Should().Be("https://login.example.com/t/v2.0");
        options.JwtAudience.Should().Be("api://apigw-dev");
        options.RunsOwnIssuer.Should().BeFalse();
        options.AlarmEmail.Should().Be("oncall@example.com");
        options.AlarmHttpsEndpoint.Should().Be("https://hooks.example.com/x");

        var context = new Dictionary<string, string>
        {
            ["jwtIssuer"] = "https://issuer.example.com/", ["jwtAudience"] = "aud", ["alarmEmail"] = "a@example.com", ["alarmHttpsEndpoint"] = "https://h.example.com/",
        };
        var fromContext = InfraOptions.Parse([], key => context.GetValueOrDefault(key));
        fromContext.JwtIssuer.Should().Be("https://issuer.example.com/");
        fromContext.JwtAudience.Should().Be("aud");
        fromContext.AlarmEmail.Should().Be("a@example.com");
        fromContext.AlarmHttpsEndpoint.Should().Be("https://h.example.com/");
    }

    [Fact]
    public void Without_an_identity_provider_the_environment_runs_its_own_and_alarms_have_no_subscriber()
    {
        var options = Parse();
        options.RunsOwnIssuer.Should().BeTrue();
        options.JwtAudience.Should().BeNull();
        options.AlarmEmail.Should().BeNull();
        options.AlarmHttpsEndpoint.Should().BeNull();
    }

    [Fact]
    public void Mcp_callback_urls_come_from_repeated_options_or_context_and_default_to_the_common_clients()
    {
        Parse().McpCallbackUrls.Should().Equal(InfraOptions.DefaultMcpCallbackUrls);
        Parse("--mcp-callback-url", "https://a.example.com/cb", "--mcp-callback-url", "myapp://callback").McpCallbackUrls
            .Should().Equal("https://a.example.com/cb", "myapp://callback");
        InfraOptions.Parse([], key => key == "mcpCallbackUrls" ? "http://localhost:9000/cb, https://b.example.com/cb" : null).McpCallbackUrls
            .Should().Equal("http://localhost:9000/cb", "https://b.example.com/cb");
        // Options replace the context's list, as every other option does.
        InfraOptions.Parse(["--mcp-callback-url", "https://a.example.com/cb"], key => key == "mcpCallbackUrls" ? "https://b.example.com/cb" : null)
            .McpCallbackUrls.Should().Equal("https://a.example.com/cb");
    }

    [Theory]
    [InlineData("http://127.0.0.1:33418/", "Cognito accepts http only for localhost")]
    [InlineData("http://mcp.example.com/cb", "Cognito accepts http only for localhost")]
    [InlineData("/relative/callback", "is not an absolute URL")]
    [InlineData("https://a.example.com/cb#frag", "has a fragment")]
    public void A_callback_url_cognito_would_refuse_fails_naming_it(string url, string reason) =>
        FluentActions.Invoking(() => Parse("--mcp-callback-url", url)).Should().Throw<InfraOptionsException>()
            .WithMessage($"*'{url}'*{reason}*");

    [Fact]
    public void Every_default_callback_url_is_one_cognito_accepts() =>
        FluentActions.Invoking(() => Parse([.. InfraOptions.DefaultMcpCallbackUrls.SelectMany(u => new[] { "--mcp-callback-url", u })]))
            .Should().NotThrow();

    [Fact]
    public void A_service_without_an_image_gets_the_unset_tag() =>
        Parse().ImageTagFor("mcp").Should().Be(InfraOptions.UnsetImageTag);

    [Fact]
    public void Cdk_context_supplies_values_the_command_line_leaves_out()
    {
        var context = new Dictionary<string, string> { ["environment"] = "staging", ["natGateways"] = "2", ["images"] = "fastapi=abc, mcp=def" };
        var options = InfraOptions.Parse(["--nat-gateways", "1", "--image", "mcp=xyz"], key => context.GetValueOrDefault(key));

        options.Environment.Should().Be("staging");
        options.ImageTagFor("fastapi").Should().Be("abc");
        options.ImageTagFor("mcp").Should().Be("xyz", "the command line wins over context");
        options.NatGateways.Should().Be(1, "the command line wins over context");
    }

    [Theory]
    [InlineData("--nat-gateways", "3", "must be 1")]
    [InlineData("--nat-gateways", "0", "must be 1")]
    [InlineData("--image", "fastapi", "<service>=<tag>")]
    [InlineData("--image", "fastapi=bad tag", "not a valid Docker tag")]
    [InlineData("--stack", "network", "use registry, shared, services or all")]
    [InlineData("--stack", "fastapi", "use registry, shared, services or all")]
    [InlineData("--environment", "Prod", "lower-case")]
    [InlineData("--bogus", "x", "Unknown option")]
    [InlineData("--keep-deployed-images", "0", "at least 1")]
    [InlineData("--keep-deployed-images", "many", "whole number")]
    [InlineData("--jwt-issuer", "http://login.example.com/", "https URL")]
    [InlineData("--jwt-issuer", "https://login.example.com/", "needs --jwt-audience")]
    [InlineData("--jwt-audience", "api://x", "without --jwt-issuer")]
    [InlineData("--alarm-email", "oncall", "not an e-mail address")]
    [InlineData("--alarm-https-endpoint", "http://hooks.example.com/x", "must be an https URL")]
    [InlineData("--alarm-topic-arn", "arn:aws:sns:us-east-1:123456789012:t", "Unknown option")]
    public void Invalid_options_are_rejected_with_the_fix(string option, string value, string expected) =>
        FluentActions.Invoking(() => Parse(option, value))
            .Should().Throw<InfraOptionsException>().WithMessage($"*{expected}*");

    [Fact]
    public void Zone_ids_come_from_the_command_line_or_context_in_order()
    {
        Parse().AvailabilityZoneIds.Should().BeEmpty();
        Parse("--availability-zone-id", "use1-az4", "--availability-zone-id", "use1-az1").AvailabilityZoneIds.Should().Equal("use1-az4", "use1-az1");
        InfraOptions.Parse([], key => key == "availabilityZoneIds" ? "euw1-az2, euw1-az3" : null).AvailabilityZoneIds.Should().Equal("euw1-az2", "euw1-az3");
    }

    [Theory]
    [InlineData("us-east-1a", "is not a zone ID")]
    [InlineData("use1-az1", "takes 2 different zone IDs; got 1")]
    public void A_zone_name_or_a_single_zone_id_is_refused_with_what_to_pass(string zone, string problem) =>
        FluentActions.Invoking(() => Parse("--availability-zone-id", zone)).Should().Throw<InfraOptionsException>().WithMessage($"*{problem}*");

    [Fact]
    public void The_same_zone_twice_is_refused() =>
        FluentActions.Invoking(() => Parse("--availability-zone-id", "use1-az1", "--availability-zone-id", "use1-az1"))
            .Should().Throw<InfraOptionsException>().WithMessage("*2 different zone IDs*");
}
