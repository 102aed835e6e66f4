namespace Pipeline.IntegrationTests.Infrastructure;

/// <summary>An answer the proxy sends back.</summary>
public sealed record MotoProxyReply(int Status, string Body, string ContentType)
{
    /// <summary>Response headers passed on from moto, e.g. S3's <c>ETag</c>, which conditional writes name.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
}
