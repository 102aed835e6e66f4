namespace Pipeline.Gateway;

/// <summary>One service as the gateway exposes it: requests under <see cref="Prefix"/> go to <see cref="Upstream"/> with the prefix stripped.</summary>
public sealed record GatewayRoute(string Service, string Prefix, Uri Upstream);
