namespace Pipeline.TestSupport;

/// <summary>A fact that starts programs: node, pwsh, cfn-lint, aws, git, chromium and chromedriver, or moto (python3's moto server).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ToolFactAttribute(params string[] tools) : CiStrictFactAttribute
{
    protected override string? WhyItCannotRun() => Requirements.Tools(tools);
}
