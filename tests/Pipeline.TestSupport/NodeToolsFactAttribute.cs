namespace Pipeline.TestSupport;

/// <summary>A fact that runs the TypeScript MCP client check: node and build/tools' npm packages.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class NodeToolsFactAttribute : CiStrictFactAttribute
{
    protected override string? WhyItCannotRun() => Requirements.NodeTools();
}
