namespace Pipeline.Infra.Tests.Support;

/// <summary>A fact that needs external tools: skipped with the reason when one is missing, unless CI=true (then it runs and fails loudly).</summary>
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(params string[] tools)
    {
        var missing = RequiredTools.Missing(tools);
        if (missing is not null && !RequiredTools.IsCi)
            Skip = $"Skipped: this test {missing}. Under CI=true it fails instead.";
    }
}
