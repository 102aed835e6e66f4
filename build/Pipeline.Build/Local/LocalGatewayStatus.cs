namespace Pipeline.Build.Local;

/// <summary>The local gateway as recorded and as it answers now.</summary>
public sealed record LocalGatewayStatus(int? ProcessId, Uri? Url, bool Running, bool Healthy);
