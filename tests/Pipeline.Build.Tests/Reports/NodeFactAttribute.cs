using Pipeline.TestSupport;

namespace Pipeline.Build.Tests.Reports;

/// <summary>A fact that synthesizes the CDK app, which needs node (skipped with the reason outside CI when it is missing).</summary>
public sealed class NodeFactAttribute : CiStrictFactAttribute
{
    protected override string? WhyItCannotRun() => NodeIsInstalled
        ? null
        : "node is not on PATH; the CDK app needs it to synthesize. Install Node.js 20+ to run this test.";

    public static bool NodeIsInstalled => Pipeline.Build.Engine.ChildProcess.FindOnPath("node") is not null;
}
