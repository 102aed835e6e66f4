namespace Pipeline.Build.Engine;

/// <summary>
/// Whether this run is CI (<c>CI=true</c> or <c>CI=1</c>, as CI services set it). In CI nothing may pass by
/// skipping: the Test target fails on a skipped test, and the tests run where they would skip on a workstation.
/// </summary>
public static class ContinuousIntegration
{
    public static bool IsOn => Environment.GetEnvironmentVariable("CI") is { } ci &&
                               (ci.Equals("true", StringComparison.OrdinalIgnoreCase) || ci == "1");
}
