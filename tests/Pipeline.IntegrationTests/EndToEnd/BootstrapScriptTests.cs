namespace Pipeline.IntegrationTests.EndToEnd;

/// <summary>
/// build.sh and build.ps1 on a fresh copy of the repository: the first run compiles, a warm run does not,
/// and both hand the arguments to the same pipeline (same errors, same exit codes).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class BootstrapScriptTests : IDisposable
{
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);
    static readonly IReadOnlyDictionary<string, string> NoEnvironment = new Dictionary<string, string>();

    readonly RepositoryCopy copy = RepositoryCopy.Create();

    [Fact]
    public async Task Build_sh_compiles_once_then_starts_warm_and_reports_bad_input_with_exit_code_2()
    {
        var cold = await BuildScript.RunAsync(copy.Root, ["--help"], NoEnvironment, Timeout);
        var warm = await BuildScript.RunAsync(copy.Root, ["--help"], NoEnvironment, Timeout);
        var bad = await BuildScript.RunAsync(copy.Root, ["Redeploy", "--service", "nope"], NoEnvironment, Timeout);

        cold.ExitCode.Should().Be(0, cold.Describe());
        cold.Output.Should().Contain("Compiling the pipeline").And.Contain("Targets:");
        warm.ExitCode.Should().Be(0, warm.Describe());
        warm.Output.Should().NotContain("Compiling", "a warm start runs the compiled pipeline directly").And.Contain("Targets:");
        bad.ExitCode.Should().Be(2, bad.Describe());
        bad.Output.Should().Contain("'nope' is not valid").And.Contain("fastapi, mcp, all");
    }

    [ToolFact("pwsh")]
    public async Task Build_ps1_compiles_and_runs_the_same_pipeline()
    {
        var powerShell = PowerShell.Find()
            ?? throw new InvalidOperationException("pwsh is missing: .ci/setup installs it (dotnet tool install --global PowerShell).");

        var plan = await BuildScript.RunAsync(copy.Root, ["Deploy", "--plan"], NoEnvironment, Timeout, powerShell);
        var bad = await BuildScript.RunAsync(copy.Root, ["Redeploy", "--service", "nope"], NoEnvironment, Timeout, powerShell);

        plan.ExitCode.Should().Be(0, plan.Describe());
        plan.Output.Should().Contain("Compiling the pipeline").And.Contain("Nothing was run.");
        bad.ExitCode.Should().Be(2, bad.Describe());
        bad.Output.Should().Contain("'nope' is not valid");
    }

    public void Dispose() => copy.Dispose();
}

/// <summary>Finds pwsh on PATH or where `dotnet tool install --global` puts it.</summary>
internal static class PowerShell
{
    public static string? Find() =>
        Pipeline.Build.Engine.ChildProcess.FindOnPath("pwsh",
            Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools"));
}
