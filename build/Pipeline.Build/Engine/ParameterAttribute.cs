namespace Pipeline.Build.Engine;

/// <summary>
/// Marks a field or property of the build as a parameter. It is bound from, highest first:
/// the command line (<c>--base-image-registry</c>), the environment (<c>BASE_IMAGE_REGISTRY</c>),
/// the selected profile (<c>.nuke/parameters.&lt;profile&gt;.json</c>), then <c>.nuke/parameters.json</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class ParameterAttribute(string description) : Attribute
{
    public string Description { get; } = description;

    /// <summary>Its value is masked in every line of output.</summary>
    public bool Secret { get; init; }

    /// <summary>Smallest value a number parameter accepts; no bound when unset.</summary>
    public double Minimum { get; init; } = double.NegativeInfinity;

    /// <summary>Largest value a number parameter accepts; no bound when unset.</summary>
    public double Maximum { get; init; } = double.PositiveInfinity;
}
