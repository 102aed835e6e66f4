using System.Collections;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Tests.Engine;

public sealed class ParameterTests
{
    public enum Flavour { Plain, Spicy }

    sealed class ParameterBuild : PipelineBuild
    {
        [Parameter("region")] public string? AwsRegion { get; set; }
        [Parameter("which service")] public string Service { get; set; } = "all";
        [Parameter("count")] public int NatGateways { get; set; } = 1;
        [Parameter("flavour")] public Flavour Taste { get; set; }
        [Parameter("wait")] public TimeSpan HealthTimeout { get; set; } = TimeSpan.FromSeconds(5);
        [Parameter("password", Secret = true)] public string? RegistryPassword { get; set; }
        [Parameter("tags")] public string[] Tags { get; set; } = [];
        [Parameter("Port of the gateway", Minimum = 1, Maximum = 65535)] public int GatewayPort { get; set; } = 8080;

        public List<string> Seen { get; } = [];

        protected internal override IReadOnlyList<string>? ValidValuesOf(string parameterName) =>
            parameterName == nameof(Service) ? ["fastapi", "mcp", "all"] : null;

        Target Show => _ => _.Executes(() => Seen.Add($"{AwsRegion}|{Service}|{NatGateways}|{Taste}|{HealthTimeout.TotalSeconds}|{string.Join(",", Tags)}"));
        Target Push => _ => _.Requires(() => AwsRegion).Executes(() => Console.WriteLine($"using {RegistryPassword}"));
        Target Leak => _ => _.Executes(() => throw new PipelineException($"login failed with {RegistryPassword}"));
    }

    static async Task<(int Code, ParameterBuild Build, string Output)> Run(TemporaryRepository repo, IDictionary environment, params string[] args)
    {
        var build = new ParameterBuild();
        var output = new StringWriter();
        var code = await PipelineBuild.RunAsync(build, args, repo.Root, environment, output);
        return (code, build, output.ToString());
    }

    static Hashtable Env(params (string Key, string Value)[] pairs) =>
        new(pairs.ToDictionary(p => p.Key, p => (object?)p.Value));

    [Fact]
    public async Task Command_line_beats_environment_beats_profile_beats_parameters_file()
    {
        using var repo = new TemporaryRepository()
            .WithFile(".nuke/parameters.json", """{ "AwsRegion": "file-region", "NatGateways": 1, "Service": "mcp", "Taste": "plain" }""")
            .WithFile(".nuke/parameters.prod.json", """{ "AwsRegion": "profile-region", "NatGateways": 2, "Service": "fastapi" }""");

        var (code, build, _) = await Run(repo, Env(("AWS_REGION", "env-region"), ("SERVICE", "mcp")), "Show", "--profile", "prod", "--service", "all");

        code.Should().Be(0);
        build.Seen.Should().Equal("env-region|all|2|Plain|5|");
    }

    [Fact]
    public async Task Values_are_typed()
    {
        using var repo = new TemporaryRepository();
        var (_, build, _) = await Run(repo, Env(), "show", "--taste", "SPICY", "--health-timeout", "2m", "--nat-gateways", "3", "--tags", "a,b", "c");
        build.Seen.Should().Equal("|all|3|Spicy|120|a,b,c");
    }

    [Fact]
    public async Task A_bad_value_fails_before_anything_runs_and_lists_the_valid_values()
    {
        using var repo = new TemporaryRepository();
        var (code, build, output) = await Run(repo, Env(), "Show", "--service", "nope");

        code.Should().NotBe(0);
        build.Seen.Should().BeEmpty();
        output.Should().Contain("'nope' is not valid").And.Contain("fastapi, mcp, all");
    }

    [Theory]
    [InlineData("99999")]
    [InlineData("0")]
    public async Task A_number_outside_its_range_fails_before_anything_runs_and_names_the_range(string port)
    {
        using var repo = new TemporaryRepository();
        var (code, build, output) = await Run(repo, Env(), "Show", "--gateway-port", port);

        code.Should().Be(2);
        build.Seen.Should().BeEmpty();
        output.Should().Contain($"--gateway-port (or GATEWAY_PORT) is {port}, but it must be between 1 and 65535");
    }

    [Fact]
    public async Task A_number_outside_its_range_from_the_environment_says_where_it_came_from()
    {
        using var repo = new TemporaryRepository();
        var (code, _, output) = await Run(repo, Env(("GATEWAY_PORT", "70000")), "Show");

        code.Should().Be(2);
        output.Should().Contain("is 70000 (from the environment), but it must be between 1 and 65535");
    }

    [Fact]
    public async Task A_bad_enum_value_lists_the_enum_names()
    {
        using var repo = new TemporaryRepository();
        var (code, _, output) = await Run(repo, Env(), "Show", "--taste", "sweet");
        code.Should().NotBe(0);
        output.Should().Contain("plain, spicy");
    }

    [Fact]
    public async Task An_unknown_option_is_refused_with_a_suggestion()
    {
        using var repo = new TemporaryRepository();
        var (code, _, output) = await Run(repo, Env(), "Show", "--servce", "mcp");
        code.Should().NotBe(0);
        output.Should().Contain("Unknown command-line option '--servce'").And.Contain("Did you mean '--service'");
    }

    [Fact]
    public async Task A_malformed_parameters_file_names_the_file_and_runs_nothing()
    {
        using var repo = new TemporaryRepository().WithFile(".nuke/parameters.json", """{ "AwsRegion": "x", """ + "\n" + """ "NatGateways": }""");
        var (code, build, output) = await Run(repo, Env(), "Show");
        code.Should().NotBe(0);
        build.Seen.Should().BeEmpty();
        output.Should().Contain("parameters.json is not valid JSON (line 2)");
    }

    [Fact]
    public async Task An_unknown_key_in_a_parameters_file_is_refused()
    {
        using var repo = new TemporaryRepository().WithFile(".nuke/parameters.json", """{ "AwsRegoin": "x" }""");
        var (code, _, output) = await Run(repo, Env(), "Show");
        code.Should().NotBe(0);
        output.Should().Contain("Unknown key in").And.Contain("'AwsRegoin'").And.Contain("Did you mean 'AwsRegion'");
    }

    [Fact]
    public async Task A_missing_profile_lists_the_profiles_that_exist()
    {
        using var repo = new TemporaryRepository().WithFile(".nuke/parameters.dev.json", "{}");
        var (code, _, output) = await Run(repo, Env(), "Show", "--profile", "stage");
        code.Should().NotBe(0);
        output.Should().Contain("Profile 'stage' not found").And.Contain("Profiles: dev");
    }

    [Fact]
    public async Task Missing_required_parameters_are_reported_before_anything_runs()
    {
        using var repo = new TemporaryRepository();
        var (code, build, output) = await Run(repo, Env(), "Show", "Push");
        code.Should().NotBe(0);
        build.Seen.Should().BeEmpty();
        output.Should().Contain("--aws-region (or AWS_REGION), needed by Push");
    }

    [Fact]
    public async Task Help_shows_each_parameter_with_its_source_and_masks_secrets()
    {
        using var repo = new TemporaryRepository().WithFile(".nuke/parameters.json", """{ "NatGateways": 2 }""");
        var (code, _, output) = await Run(repo, Env(("REGISTRY_PASSWORD", "hunter2-very-secret")), "--help");

        code.Should().Be(0);
        output.Should().MatchRegex(@"--nat-gateways\s+NAT_GATEWAYS\s+2\s+parameters.json");
        output.Should().MatchRegex(@"--registry-password\s+REGISTRY_PASSWORD\s+\*\*\*\*\s+env");
        output.Should().NotContain("hunter2-very-secret");
    }
}
