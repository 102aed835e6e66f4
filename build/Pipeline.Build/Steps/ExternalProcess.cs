using System.Diagnostics;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Steps;

/// <summary>Runs a program, streams its output lines to a step log, and keeps the tail for error messages.</summary>
public static class ExternalProcess
{
    public sealed record Result(int ExitCode, IReadOnlyList<string> Lines)
    {
        public string Tail(int count = 30) => string.Join(Environment.NewLine, Lines.TakeLast(count));
    }

    public static async Task<Result> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        IStepLog? log,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null,
        CancellationToken cancellation = default)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new PipelineException($"Could not start {fileName}.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new PipelineException($"Could not start '{fileName}': {e.Message}. Is it installed and on PATH?", e);
        }

        using (process)
        {
            var lines = new List<string>();
            void OnLine(string? line)
            {
                if (line is null) return;
                lock (lines) lines.Add(line);
                log?.Detail(line);
            }
            process.OutputDataReceived += (_, e) => OnLine(e.Data);
            process.ErrorDataReceived += (_, e) => OnLine(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                await process.WaitForExitAsync(cancellation);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
            lock (lines) return new Result(process.ExitCode, lines.ToList());
        }
    }
}
