using System.Runtime.CompilerServices;

namespace Pipeline.IntegrationTests.EndToEnd;

/// <summary>
/// A step of an end-to-end scenario. Steps run in the order they are written in the file (see <see cref="ScenarioOrderer"/>).
/// Without Docker, the registry (and for <see cref="NeedsMoto"/> moto and node, for <see cref="NeedsNodeTools"/> node and the
/// TypeScript MCP SDK) the step is skipped with the reason,
/// except under CI=true, where it runs and fails loudly: CI must provide them.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class EndToEndFactAttribute : CiStrictFactAttribute
{
    public EndToEndFactAttribute([CallerLineNumber] int line = 0) => Line = line;

    /// <summary>Where the step is written; the scenario's order.</summary>
    public int Line { get; }

    public bool NeedsMoto { get; init; }

    /// <summary>The step runs the TypeScript MCP client check: node and build/tools' packages.</summary>
    public bool NeedsNodeTools { get; init; }

    protected override string? WhyItCannotRun() =>
        NeedsMoto ? EndToEndRequirements.WhyNoAwsPlatform()
        : NeedsNodeTools ? EndToEndRequirements.WhyNoMcpClientCheck()
        : EndToEndRequirements.WhyNoLocalPlatform();
}
