namespace Pipeline.Build.Tests.Reports;

/// <summary>
/// A fact that synthesizes the CDK app, which needs node. Without node it is skipped with the reason,
/// except under CI=true, where it runs and fails loudly: CI must never pass by skipping it.
/// </summary>
public sealed class NodeFactAttribute : FactAttribute
{
    public NodeFactAttribute()
    {
        var inCi = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        if (!inCi && !NodeIsInstalled)
            Skip = "node is not on PATH; the CDK app needs it to synthesize. Install Node.js 20+ to run this test.";
    }

    public static bool NodeIsInstalled =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, "node")) || File.Exists(Path.Combine(dir, "node.exe")));
}
