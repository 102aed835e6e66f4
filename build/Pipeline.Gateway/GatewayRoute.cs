namespace Pipeline.Gateway;

/// <summary>
/// One service as the gateway exposes it: requests under <see cref="Prefix"/> go to <see cref="Upstream"/> with the prefix stripped.
/// <see cref="ResourceMetadataPath"/> is where the service publishes its OAuth Protected Resource Metadata, when it is one.
/// <see cref="Shift"/>, during a canary, linear or blue/green rollout, sends part of the requests to the new version instead.
/// </summary>
public sealed record GatewayRoute(string Service, string Prefix, Uri Upstream, string? ResourceMetadataPath = null, TrafficShift? Shift = null);
