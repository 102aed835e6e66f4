namespace Pipeline.Build.Deploy;

/// <summary>One stack to deploy: its name, the synthesized template file, parameters and stack tags.</summary>
public sealed record StackDeployRequest(
    string StackName,
    string TemplatePath,
    IReadOnlyDictionary<string, string> Parameters,
    IReadOnlyDictionary<string, string> Tags);
