namespace Pipeline.Build.Deploy;

/// <summary>A service that answered its health route with the expected version, and how fast.</summary>
public sealed record ServiceHealth(string Service, Uri Url, string Version, TimeSpan Latency, int Attempts);
