using Pipeline.Manifests;

namespace Pipeline.Build.Deployment;

/// <summary>
/// What <c>Logs</c> asks a platform for: one service's lines or every service's and the gateway's, all lines or only those of
/// one request, from how long ago, the last how many, whether to keep streaming, and how to print them.
/// </summary>
/// <param name="Service">One service, or null for every service and the gateway.</param>
/// <param name="RequestId">Only the lines of this request (the gateway's request id, <see cref="DeploymentNames.RequestIdHeader"/>), or null.</param>
/// <param name="Since">How far back to look; null: the platform's default (<see cref="DefaultSince"/>, <see cref="DefaultRequestSince"/>).</param>
public sealed record LogQuery(ServiceManifest? Service, string? RequestId, TimeSpan? Since, int Tail, bool Follow, LogFormat Format)
{
    /// <summary>How far back plain <c>Logs</c> looks on a platform that must be told (CloudWatch Logs).</summary>
    public static readonly TimeSpan DefaultSince = TimeSpan.FromHours(1);

    /// <summary>How far back <c>Logs --request-id</c> looks: a day covers "my request failed this morning" and bounds what a query scans.</summary>
    public static readonly TimeSpan DefaultRequestSince = TimeSpan.FromHours(24);

    public IReadOnlyList<ServiceManifest> ServicesOf(ServiceCatalog catalog) => Service is null ? catalog.Services : [Service];

    /// <summary>Whether the gateway's lines belong in the answer: with every service, or for one request (its first line is the gateway's).</summary>
    public bool IncludesGateway => Service is null || RequestId is not null;

    public DateTimeOffset StartTime(DateTimeOffset now) => now - (Since ?? (RequestId is null ? DefaultSince : DefaultRequestSince));
}

/// <summary>How <c>Logs</c> prints: aligned text for a person, or one JSON object per line for a program.</summary>
public enum LogFormat
{
    Text,
    Json,
}
