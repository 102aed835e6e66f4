namespace Pipeline.Build.Infra;

/// <summary>
/// What to synthesize: the environment and its NAT profile, the region (recorded, templates stay region-agnostic),
/// the immutable image tag per service and the folder the templates go to.
/// </summary>
public sealed record SynthRequest(
    string Environment,
    int NatGateways,
    string? Region,
    IReadOnlyDictionary<string, string> ImageTags,
    string OutDirectory);
