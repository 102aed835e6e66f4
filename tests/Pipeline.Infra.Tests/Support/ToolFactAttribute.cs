using Pipeline.TestSupport;

namespace Pipeline.Infra.Tests.Support;

/// <summary>A fact that needs external tools (skipped with the reason outside CI when one is missing).</summary>
public sealed class ToolFactAttribute(params string[] tools) : CiStrictFactAttribute
{
    protected override string? WhyItCannotRun() =>
        RequiredTools.Missing(tools) is { } missing ? $"Skipped: this test {missing}. Under CI=true it fails instead." : null;
}
