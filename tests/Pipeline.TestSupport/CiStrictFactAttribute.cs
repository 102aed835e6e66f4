using Pipeline.Build.Engine;
using Xunit;

namespace Pipeline.TestSupport;

/// <summary>
/// A fact that needs something outside the test process (a Docker engine, moto, node, PowerShell...; see
/// <see cref="Requirements"/>). On a workstation it is skipped, with the reason, when that is missing; in CI it always runs,
/// so a missing component fails it loudly instead of hiding it. The family: <see cref="DockerFactAttribute"/>,
/// <see cref="RegistryFactAttribute"/>, <see cref="ToolFactAttribute"/>, <see cref="NodeToolsFactAttribute"/>, and the
/// test projects' own combinations of these.
/// </summary>
public abstract class CiStrictFactAttribute : FactAttribute
{
    /// <summary>Why the test cannot run on this machine ("needs ..."), or null when it can. Not asked in CI.</summary>
    protected abstract string? WhyItCannotRun();

    public override string? Skip
    {
        get => base.Skip ?? (ContinuousIntegration.IsOn ? null : WhyItCannotRun() is { } why ? $"Skipped: this test {why}. Under CI=true it fails instead." : null);
        set => base.Skip = value;
    }
}
