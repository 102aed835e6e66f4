namespace Pipeline.IntegrationTests.Infrastructure;

/// <summary>One call through the proxy: its action, its request body, and a way to get moto's own answer.</summary>
public sealed record MotoProxiedCall(string Action, string RequestBody, Func<Task<MotoProxyReply>> ForwardAsync);
