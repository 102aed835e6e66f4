namespace Pipeline.Build.Engine;

/// <summary>
/// A target is declared as a property that configures its definition:
/// <c>Target Deploy => _ => _.DependsOn(HealthCheck).Executes(...)</c>.
/// </summary>
public delegate ITargetDefinition Target(ITargetDefinition _);
