using System.Diagnostics;
using System.Text;

namespace Pipeline.IntegrationTests.EndToEnd;

/// <summary>
/// A <c>./build.sh</c> run that goes on until it is told to stop (<c>Dev</c>): started in a process group of its own, as a
/// terminal starts it, read while it runs, and ended with a real signal to the group, as Ctrl-C ends it.
/// </summary>
public sealed class RunningBuildScript : IAsyncDisposable
{
    readonly Process process;
    readonly StringBuilder output = new();
    readonly Stopwatch clock = Stopwatch.StartNew();
    readonly IReadOnlyList<string> arguments;

    RunningBuildScript(Process process, IReadOnlyList<string> arguments)
    {
        this.process = process;
        this.arguments = arguments;
    }

    public string Output
    {
        get
        {
            lock (output) return output.ToString();
        }
    }

    public static RunningBuildScript Start(string repositoryRoot, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var start = BuildScript.StartInfo(repositoryRoot, "setsid", [Path.Combine(repositoryRoot, "build.sh"), .. arguments], environment);
        var process = new Process { StartInfo = start };
        var running = new RunningBuildScript(process, arguments);
        process.OutputDataReceived += (_, e) => running.Append(e.Data);
        process.ErrorDataReceived += (_, e) => running.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return running;
    }

    /// <summary>Waits until the output contains <paramref name="text"/> (counting from <paramref name="after"/> characters); fails the test if the run ends or the time is up first.</summary>
    public async Task<int> WaitForOutputAsync(string text, TimeSpan timeout, int after = 0)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var now = Output;
            var at = now.IndexOf(text, Math.Min(after, now.Length), StringComparison.Ordinal);
            if (at >= 0)
                return at + text.Length;
            if (process.HasExited)
                Assert.Fail($"./build.sh {string.Join(' ', arguments)} ended (exit code {process.ExitCode}) before printing '{text}':\n{Tail(now)}");
            if (deadline.Elapsed > timeout)
                Assert.Fail($"./build.sh {string.Join(' ', arguments)} did not print '{text}' within {timeout.TotalSeconds:0} s:\n{Tail(now)}");
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }

    /// <summary>Sends <paramref name="signal"/> (INT is Ctrl-C) to the run's process group and waits for it to end.</summary>
    public async Task<BuildScriptRun> StopAsync(string signal, TimeSpan timeout)
    {
        using (var kill = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", "--", $"-{process.Id}"]) { UseShellExecute = false })!)
            await kill.WaitForExitAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"./build.sh {string.Join(' ', arguments)} did not end within {timeout.TotalSeconds:0} s of SIG{signal}:\n{Tail(Output)}");
        }
        process.WaitForExit();
        return new BuildScriptRun(arguments, process.ExitCode, Output, clock.Elapsed);
    }

    void Append(string? line)
    {
        if (line is null) return;
        lock (output) output.Append(line).Append('\n');
    }

    static string Tail(string text) => string.Join('\n', text.Split('\n').TakeLast(60));

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            using var kill = Process.Start(new ProcessStartInfo("kill", ["-KILL", "--", $"-{process.Id}"]) { UseShellExecute = false })!;
            await kill.WaitForExitAsync();
            await process.WaitForExitAsync();
        }
        process.Dispose();
    }
}
