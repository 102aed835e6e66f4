namespace Pipeline.Build.Local;

/// <summary>One service as it runs locally. <see cref="State"/> is Docker's (running, exited, …) or "absent".</summary>
public sealed record LocalServiceStatus(
    string Service,
    string ContainerName,
    string? ContainerId,
    string? ImageTag,
    string State,
    bool Healthy,
    Uri GatewayUrl,
    Uri DirectUrl);
