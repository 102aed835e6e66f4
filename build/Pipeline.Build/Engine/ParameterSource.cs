namespace Pipeline.Build.Engine;

/// <summary>Where a parameter's value came from, shown by <c>--help</c>.</summary>
public enum ParameterSource
{
    Default,
    ParametersFile,
    Profile,
    Environment,
    CommandLine,
}
