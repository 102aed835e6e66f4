using Pipeline.Build.Images;
using Kind = Pipeline.Build.Images.DotnetBuildServers.Kind;

namespace Pipeline.Build.Tests.Images;

public class DotnetBuildServersTests
{
    const string Compiler = "/opt/dotnet-under-test/sdk/10.0.401/Roslyn/bincore/VBCSCompiler -pipename:Dv7Ncqi9qKQkh3yKPOwD2FTvfOFQ2XBZe9M9woRRVXY";
    const string MSBuildServer = "/opt/dotnet-under-test/sdk/10.0.401/MSBuild /nologo /nodemode:8";
    const string ReusedNode = "/opt/dotnet-under-test/sdk/10.0.401/MSBuild /noautoresponse /nologo /nodemode:1 /nodeReuse:true /low:false";
    const string OneOffNode = "/opt/dotnet-under-test/dotnet /opt/dotnet-under-test/sdk/10.0.401/MSBuild.dll /noautoresponse /nologo /nodemode:1 /nodeReuse:false /low:false";
    static readonly HostDotnetSdk Sdk = new("10.0.401", "/opt/dotnet-under-test/dotnet");

    [Fact]
    public void The_servers_of_the_sdk_are_told_from_their_command_lines()
    {
        DotnetBuildServers.KindsRunning([Compiler, MSBuildServer, "/usr/bin/python3 -m moto.server"], Sdk.SdkDirectory)
            .Should().BeEquivalentTo([Kind.Compiler, Kind.MSBuild]);
        DotnetBuildServers.KindsRunning([ReusedNode], Sdk.SdkDirectory).Should().BeEquivalentTo([Kind.MSBuild], "a node kept for reuse outlives the build too");
        DotnetBuildServers.KindsRunning([OneOffNode], Sdk.SdkDirectory).Should().BeEmpty("a node that is not reused ends with its build");
        DotnetBuildServers.KindsRunning([Compiler, MSBuildServer], "/opt/dotnet-under-test/sdk/9.0.300").Should().BeEmpty("another SDK's servers are not the ones a publish uses");
        DotnetBuildServers.KindsRunning([Compiler, MSBuildServer], "/usr/share/dotnet/sdk/10.0.401").Should().BeEmpty("nor are those of another installation of the same version");
    }

    [Fact]
    public void Only_the_kinds_that_were_not_running_before_the_first_publish_count_as_started_by_the_run()
    {
        var running = new List<string> { Compiler };
        var servers = new DotnetBuildServers(() => running.ToList());

        servers.SettingsFor(Sdk, "/src");
        running.AddRange([MSBuildServer, ReusedNode]);
        servers.SettingsFor(Sdk, "/src");

        servers.Started().Should().BeEquivalentTo([Kind.MSBuild], "the compiler server ran before the run and is left to its owner");
    }

    [Fact]
    public void Nothing_counts_as_started_before_the_first_publish()
    {
        var servers = new DotnetBuildServers(() => [Compiler, MSBuildServer]);

        servers.Started().Should().BeEmpty();
    }

    [Fact]
    public void A_publish_uses_the_servers_that_run_already_even_where_the_machine_turns_them_off()
    {
        var settings = new DotnetBuildServers(() => [Compiler, MSBuildServer]).SettingsFor(Sdk, "/src");

        settings.Arguments.Should().Equal("-p:UseSharedCompilation=true");
        settings.Environment.Should().Contain("DOTNET_CLI_USE_MSBUILD_SERVER", "1");
        settings.RemovedVariables.Should().BeEquivalentTo("UseSharedCompilation", "MSBUILDDISABLENODEREUSE");
    }

    [Fact]
    public void A_publish_starts_no_server_a_cold_one_costs_more_than_it_saves_for_one_publish()
    {
        new DotnetBuildServers(() => []).SettingsFor(Sdk, "/src").Should().BeEquivalentTo(DotnetBuildServers.WithoutServers);

        var compilerOnly = new DotnetBuildServers(() => [Compiler]).SettingsFor(Sdk, "/src");

        compilerOnly.Arguments.Should().Equal("-p:UseSharedCompilation=true", "-nodeReuse:false");
        compilerOnly.Environment.Should().Contain("DOTNET_CLI_USE_MSBUILD_SERVER", "0");
    }

    [Fact]
    public void Where_the_run_cannot_tell_its_own_servers_a_publish_starts_none()
    {
        var servers = new DotnetBuildServers(commandLines: null);

        var settings = servers.SettingsFor(Sdk, "/src");

        settings.Should().Be(DotnetBuildServers.WithoutServers);
        settings.Arguments.Should().Contain(["-p:UseSharedCompilation=false", "-nodeReuse:false"]);
        settings.Environment.Should().Contain("DOTNET_CLI_USE_MSBUILD_SERVER", "0");
        servers.Started().Should().BeEmpty();
    }

    [Fact]
    public void A_publish_with_another_sdk_than_the_first_runs_without_servers()
    {
        var servers = new DotnetBuildServers(() => []);
        servers.SettingsFor(Sdk, "/src");

        servers.SettingsFor(Sdk with { Version = "9.0.300" }, "/other").Should().Be(DotnetBuildServers.WithoutServers);
    }
}
