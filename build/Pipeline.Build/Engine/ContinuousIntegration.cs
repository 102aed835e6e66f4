namespace Pipeline.Build.Engine;

/// <summary>
/// Whether this run is CI (<c>CI=true</c> or <c>CI=1</c>, as CI services set it). In CI nothing may pass by
/// skipping: the Test target fails on a skipped test, and the tests run where they would skip on a workstation.
/// Inside GitHub Actions a step can also write its job summary and its outputs, which the pipeline does itself.
/// </summary>
public static class ContinuousIntegration
{
    public static bool IsOn => Environment.GetEnvironmentVariable("CI") is { } ci &&
                               (ci.Equals("true", StringComparison.OrdinalIgnoreCase) || ci == "1");

    /// <summary>The GitHub Actions run this process belongs to, e.g. <c>https://github.com/o/r/actions/runs/42</c>; null elsewhere.</summary>
    public static string? RunUrl =>
        Environment.GetEnvironmentVariable("GITHUB_RUN_ID") is { Length: > 0 } run && Environment.GetEnvironmentVariable("GITHUB_REPOSITORY") is { Length: > 0 } repository
            ? $"{Environment.GetEnvironmentVariable("GITHUB_SERVER_URL") ?? "https://github.com"}/{repository}/actions/runs/{run}"
            : null;

    /// <summary>
    /// Appends Markdown to the job summary (<c>GITHUB_STEP_SUMMARY</c>) when there is one; elsewhere does nothing. The file
    /// is not the masked console, so secrets are masked here. The one writer of the job summary: every report goes through it.
    /// </summary>
    /// <returns>Whether there was a job summary to append to.</returns>
    public static async Task<bool> AppendToJobSummaryAsync(string markdown, CancellationToken ct, Func<string, string?>? environment = null)
    {
        if ((environment ?? Environment.GetEnvironmentVariable)("GITHUB_STEP_SUMMARY") is not { Length: > 0 } summary)
            return false;
        await File.AppendAllTextAsync(summary, SecretMasker.Apply(markdown), ct);
        return true;
    }

    /// <summary>Sets a step output (<c>GITHUB_OUTPUT</c>) a later job can read, e.g. <c>history_id</c>; elsewhere does nothing.</summary>
    public static async Task SetStepOutputAsync(string name, string value, CancellationToken ct, Func<string, string?>? environment = null)
    {
        if ((environment ?? Environment.GetEnvironmentVariable)("GITHUB_OUTPUT") is { Length: > 0 } outputs)
            await File.AppendAllTextAsync(outputs, $"{name}={value.ReplaceLineEndings(" ")}\n", ct);
    }
}
