namespace Pipeline.IntegrationTests.Infrastructure;

/// <summary>
/// One call through the proxy: its action, its request body, and a way to get moto's own answer, to the call as made or to
/// the call with another body (moto checks no signature), for a request moto answers only in part.
/// </summary>
public sealed record MotoProxiedCall(string Action, string RequestBody, Func<string, Task<MotoProxyReply>> ForwardBodyAsync)
{
    public Task<MotoProxyReply> ForwardAsync() => ForwardBodyAsync(RequestBody);
}
