using System.Diagnostics;

namespace Pipeline.Build.Engine;

/// <summary>Runs a tool to completion, streaming its lines to a callback; cancellation kills the whole process tree.</summary>
public static class ChildProcess
{
    /// <summary>The full path of <paramref name="program"/> in a PATH folder (or one of <paramref name="moreFolders"/>), or null.</summary>
    public static string? FindOnPath(string program, params string[] moreFolders) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(moreFolders)
            .SelectMany(dir => new[] { Path.Combine(dir, program), Path.Combine(dir, program + ".exe") })
            .FirstOrDefault(File.Exists);

    /// <summary>
    /// Runs <paramref name="fileName"/> with this process's environment, minus <paramref name="removedVariables"/>, plus
    /// <paramref name="environment"/>.
    /// </summary>
    public static async Task<ProcessOutput> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        string workingDirectory,
        IReadOnlyDictionary<string, string>? environment,
        Action<string, bool> onLine,
        CancellationToken ct,
        IEnumerable<string>? removedVariables = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var name in removedVariables ?? [])
            start.Environment.Remove(name);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;

        var stdout = new List<string>();
        var stderr = new List<string>();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Collect(e.Data, stdout, isError: false);
        process.ErrorDataReceived += (_, e) => Collect(e.Data, stderr, isError: true);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new Pipeline.Build.Engine.PipelineException($"Cannot start '{fileName}': {e.Message}. Install it or put it on PATH.", e);
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        process.WaitForExit(); // drains the asynchronous readers
        return new ProcessOutput(process.ExitCode, stdout, stderr);

        void Collect(string? line, List<string> lines, bool isError)
        {
            if (line is null) return;
            lock (lines) lines.Add(line);
            onLine(line, isError);
        }
    }
}

public sealed record ProcessOutput(int ExitCode, IReadOnlyList<string> StandardOutput, IReadOnlyList<string> StandardError);
