namespace Pipeline.Build.Reports;

/// <summary>An API Gateway v2 API: its name, protocol (HTTP or WEBSOCKET) and routes.</summary>
public sealed record HttpApiLayout(string LogicalId, string Name, string Protocol, IReadOnlyList<RouteLayout> Routes);
