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
        "HEALTH_URL", "HEALTH_TIMEOUT", "ROLLOUT_TIMEOUT", "GATEWAY_PORT", "NAT_GATEWAYS", "PROMOTE_FROM", "PROMOTE_RECORD", "GITHUB_REPOSITORY",
        // Set by GitHub Actions around the test job: a test's deploys must not write into that job's outputs and summary.
        "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY",
        // Set by 'dotnet test' for its own MSBuild; the pipeline's compile must find its own.
        "MSBUILD_EXE_PATH", "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBuildLoadMicrosoftTargetsReadOnly",
    ];

    /// <summary>
    /// Runs <c>./build.sh</c> in a process group of its own and kills the whole group with SIGKILL (no handler runs, nothing is
    /// cleaned up: a crash, an OOM kill, a closed CI runner) as soon as <paramref name="killWhen"/> holds. Fails the test when
    /// the run ends first, or the condition does not come within <paramref name="timeout"/>.
    /// </summary>
    public static async Task<BuildScriptRun> RunAndKillAsync(
        string repositoryRoot, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, Func<Task<bool>> killWhen, TimeSpan timeout)
    {
        // setsid makes the run the leader of a new process group (its PID is the group's), as a terminal would.
        var start = StartInfo(repositoryRoot, "setsid", [Path.Combine(repositoryRoot, "build.sh"), .. arguments], environment);
        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        var clock = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            while (!await killWhen())
            {
                if (process.HasExited)
                    Assert.Fail($"./build.sh {string.Join(' ', arguments)} ended (exit code {process.ExitCode}) before the moment it was to be killed at:\n{Text()}");
                if (clock.Elapsed > timeout)
                    Assert.Fail($"./build.sh {string.Join(' ', arguments)} did not reach the moment it was to be killed at within {timeout.TotalMinutes:0} min:\n{Text()}");
                await Task.Delay(TimeSpan.FromMilliseconds(50));
            }
        }
        finally
        {
            using var kill = Process.Start(new ProcessStartInfo("kill", ["-KILL", "--", $"-{process.Id}"]) { UseShellExecute = false })!;
            await kill.WaitForExitAsync();
            await process.WaitForExitAsync();
        }
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

    internal static ProcessStartInfo StartInfo(string repositoryRoot, string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = repositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var name in start.Environment.Keys.ToList())
            if (InheritedVariablesToDrop.Contains(name) || name.StartsWith("AWS_", StringComparison.Ordinal))
                start.Environment.Remove(name);
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        return start;
    }

    /// <param name="pipeTo">A shell command that reads the run's standard output, as in <c>./build.sh Token | tail -1</c>; the run's exit code is kept (pipefail).</param>
    public static async Task<BuildScriptRun> RunAsync(
        string repositoryRoot, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, TimeSpan timeout,
        string? powerShell = null, string? pipeTo = null)
    {
        // With a PowerShell path, the same run goes through build.ps1 instead of build.sh.
        string[] launcher = pipeTo is not null ? ["-o", "pipefail", "-c", $"\"$0\" \"$@\" | {pipeTo}", Path.Combine(repositoryRoot, "build.sh")]
            : powerShell is not null ? ["-NoProfile", "-NonInteractive", "-File", Path.Combine(repositoryRoot, "build.ps1")]
            : [];
        var start = StartInfo(repositoryRoot, pipeTo is not null ? "bash" : powerShell ?? Path.Combine(repositoryRoot, "build.sh"), [.. launcher, .. arguments], environment);

        var output = new StringBuilder();
        var standardOutput = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            Append(e.Data);
            if (e.Data is not null)
                lock (output) standardOutput.Append(e.Data).Append('\n');
        };
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
        string StandardOutput()
        {
            lock (output) return standardOutput.ToString();
        }
        return new BuildScriptRun(arguments, process.ExitCode, Text(), clock.Elapsed, StandardOutput());

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
