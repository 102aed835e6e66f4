namespace Pipeline.Build.Deploy;

/// <summary>What one deploy put where: stack outputs per stack and the images deployed. Written to <c>artifacts/deploy/&lt;environment&gt;.json</c>.</summary>
public sealed record DeployRecord(
    string Environment,
    DateTimeOffset DeployedAt,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> StackOutputs,
    IReadOnlyList<DeployedImage> Images);
