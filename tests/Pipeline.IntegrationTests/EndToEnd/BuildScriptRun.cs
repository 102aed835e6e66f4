namespace Pipeline.IntegrationTests.EndToEnd;

/// <summary>
/// One finished <c>./build.sh</c> run: its arguments, exit code, stdout and stderr interleaved as they came, its wall time,
/// and stdout alone (what a pipe or <c>$(...)</c> gets).
/// </summary>
public sealed record BuildScriptRun(IReadOnlyList<string> Arguments, int ExitCode, string Output, TimeSpan Elapsed, string StandardOutput = "")
{
    public string CommandLine => "./build.sh " + string.Join(' ', Arguments);

    /// <summary>For assertion messages: the command, its exit code and the end of its output.</summary>
    public string Describe(int lastLines = 60)
    {
        var lines = Output.Split('\n');
        return $"{CommandLine} exited {ExitCode} after {Elapsed.TotalSeconds:0.0} s; last {Math.Min(lastLines, lines.Length)} lines:\n" +
               string.Join('\n', lines.TakeLast(lastLines));
    }

    /// <summary>The output without the builder's step-by-step lines ("  mcp | ..."), which are noise for most assertions.</summary>
    public string Summary => string.Join('\n', Output.Split('\n').Where(line => !line.Contains(" | ", StringComparison.Ordinal)));
}
