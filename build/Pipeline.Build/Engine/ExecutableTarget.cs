namespace Pipeline.Build.Engine;

/// <summary>A declared target with its name and its relations resolved to other targets.</summary>
internal sealed class ExecutableTarget(string name, int declarationIndex, TargetDefinition definition)
{
    public string Name { get; } = name;

    /// <summary>Position among the declared targets; breaks ties in the plan order.</summary>
    public int DeclarationIndex { get; } = declarationIndex;

    public TargetDefinition Definition { get; } = definition;

    public List<ExecutableTarget> Dependencies { get; } = [];
    public List<ExecutableTarget> RunsAfter { get; } = [];
    public List<ExecutableTarget> RunsBefore { get; } = [];
    public List<ExecutableTarget> Triggered { get; } = [];

    public string? Description => Definition.DescriptionText;

    public override string ToString() => Name;
}
