using System.Diagnostics;
using System.Text;

namespace Pipeline.IntegrationTests.EndToEnd;

/// <summary>
/// Runs <c>./build.sh</c> of a repository copy as a child process, the way a user does. The child gets a clean
/// environment for the pipeline's own parameters, so nothing set around the test run changes what it deploys.
/// </summary>
public static class BuildScript
{
    /// <summary>Variables the pipeline binds to parameters or credentials; the test decides them, not the surrounding shell.</summary>
    static readonly string[] InheritedVariablesToDrop =
    [
        "PLATFORM", "DEPLOY_ENVIRONMENT", "SERVICE", "BASE_IMAGE_REGISTRY", "REGISTRY", "REGISTRY_USERNAME", "REGISTRY_PASSWORD",
        "HEALTH_URL", "HEALTH_TIMEOUT", "ROLLOUT_TIMEOUT", "GATEWAY_PORT", "NAT_GATEWAYS",
        // Set by 'dotnet test' for its own MSBuild; the pipeline's compile must find its own.
        "MSBUILD_EXE_PATH", "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBuildLoadMicrosoftTargetsReadOnly",
    ];

    public static async Task<BuildScriptRun> RunAsync(
        string repositoryRoot, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, TimeSpan timeout,
        string? powerShell = null)
    {
        // With a PowerShell path, the same run goes through build.ps1 instead of build.sh.
        var start = new ProcessStartInfo(powerShell ?? Path.Combine(repositoryRoot, "build.sh"))
        {
            WorkingDirectory = repositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (powerShell is not null)
            foreach (var argument in new[] { "-NoProfile", "-NonInteractive", "-File", Path.Combine(repositoryRoot, "build.ps1") })
                start.ArgumentList.Add(argument);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var name in start.Environment.Keys.ToList())
            if (InheritedVariablesToDrop.Contains(name) || name.StartsWith("AWS_", StringComparison.Ordinal))
                start.Environment.Remove(name);
        foreach (var (name, value) in environment)
            start.Environment[name] = value;

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        var clock = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            Assert.Fail($"./build.sh {string.Join(' ', arguments)} did not finish within {timeout.TotalMinutes:0} min and was killed. Output so far:\n{Text()}");
        }
        clock.Stop();
        return new BuildScriptRun(arguments, process.ExitCode, Text(), clock.Elapsed);

        void Append(string? line)
        {
            if (line is null) return;
            lock (output) output.Append(line).Append('\n');
        }

        string Text()
        {
            lock (output) return output.ToString();
        }
    }
}
