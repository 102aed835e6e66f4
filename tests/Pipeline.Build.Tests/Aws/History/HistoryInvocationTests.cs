using System.Collections;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Tests.Aws.History;

/// <summary>History and Rollback invocations that cannot work are refused before anything runs (exit code 2).</summary>
public sealed class HistoryInvocationTests
{
    static async Task<(int Code, string Output)> Run(params string[] args)
    {
        var output = new StringWriter();
        var code = await PipelineBuild.RunAsync(new Build(), args, RepositoryRoot.Find(), new Hashtable(), output);
        return (code, output.ToString());
    }

    [Theory]
    [InlineData("History")]
    [InlineData("Rollback", "--to", "20261206T120000Z")]
    public async Task On_the_local_platform_they_name_the_AWS_profiles(string target, params string[] more)
    {
        var (code, output) = await Run([target, .. more]);

        var command = string.Join(' ', [target, .. more]);
        code.Should().Be(2);
        output.Should().Contain($"{command} reads the deploy history an AWS account keeps").And.Contain($"./build.sh {command} --profile dev");
    }

    [Fact]
    public async Task A_local_Rollback_with_no_rollout_under_way_says_there_is_no_local_history_and_changes_nothing()
    {
        var (code, output) = await Run("Rollback", "--deploy-environment", "nohistory", "--gateway-port", "1");

        code.Should().Be(1);
        output.Should().Contain("No rollout of fastapi, mcp is under way on the local platform")
            .And.Contain("the local platform keeps no deploy history to return to")
            .And.Contain("./build.sh Redeploy --service <name>");
    }

    [Fact]
    public async Task Cost_refuses_json_with_the_formats_it_has()
    {
        var (code, output) = await Run("Cost", "--format", "json");

        code.Should().Be(2);
        output.Should().Contain("Cost prints its estimate as text or markdown; it has no JSON form");
    }

    [Fact]
    public async Task To_applies_to_Rollback_only()
    {
        var (code, output) = await Run("History", "--profile", "dev", "--to", "20261201T153012Z-3f2a");

        code.Should().Be(2);
        output.Should().Contain("--to 20261201T153012Z-3f2a names the record a Rollback returns to");
    }

    [Fact]
    public async Task Rollback_runs_on_its_own()
    {
        var (code, output) = await Run("Redeploy", "Rollback", "--profile", "dev", "--service", "mcp");

        code.Should().Be(2);
        output.Should().Contain("Rollback runs on its own");
    }

    [Fact]
    public async Task Limit_must_be_at_least_one()
    {
        var (code, output) = await Run("History", "--profile", "dev", "--limit", "0");

        code.Should().Be(2);
        output.Should().Contain("--limit");
    }

    [Fact]
    public async Task Help_lists_History_Rollback_and_their_parameters()
    {
        var (code, output) = await Run("--help");

        code.Should().Be(0);
        output.Should().Contain("History").And.Contain("Rollback").And.Contain("--keep-deployed-images").And.Contain("--limit").And.Contain("--to");
    }
}
