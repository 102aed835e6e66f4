namespace Pipeline.IntegrationTests.Infrastructure;

/// <summary>An answer the proxy sends back.</summary>
public sealed record MotoProxyReply(int Status, string Body, string ContentType);
