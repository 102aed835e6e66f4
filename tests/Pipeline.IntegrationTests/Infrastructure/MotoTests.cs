using System.Text.Json.Nodes;
using Pipeline.Build.Aws.Clients;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.Infrastructure;

/// <summary>
/// Base of the test classes that talk to moto: they belong to the <see cref="MotoCollection"/> (one moto server for all of
/// them, started once), and each test gets an HTTP client, a connection to moto and, when it asks for one, a
/// <see cref="MotoFaultProxy"/> in front of moto; all are disposed after the test.
/// </summary>
[Collection(MotoCollection.Name)]
public abstract class MotoTests(MotoServer moto) : IAsyncLifetime
{
    MotoFaultProxy? proxy;

    /// <summary>The collection's moto server.</summary>
    protected MotoServer Moto => moto;

    protected HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>A connection whose every endpoint is moto itself.</summary>
    protected AwsConnection Connection => MotoServer.Connection(moto.Endpoint);

    /// <summary>The fault proxy in front of moto, started on first use.</summary>
    protected MotoFaultProxy Proxy => proxy ??= new MotoFaultProxy(moto.Endpoint);

    /// <summary>A Cognito call straight to moto, for what a stack or an administrator would have made before the test.</summary>
    protected async Task<JsonNode> CognitoAsync(string operation, JsonObject request) =>
        JsonNode.Parse((await new AwsJsonClient(Connection, AwsService.CognitoIdentityProvider, "AWSCognitoIdentityProviderService", Http)
            .CallAsync(operation, request, default)).GetRawText())!;

    /// <summary>A shared value of <paramref name="environment"/> in SSM, as the shared stack publishes it.</summary>
    protected async Task PublishSharedValueAsync(string environment, SharedValue value, string text) =>
        await new AwsJsonClient(Connection, AwsService.Ssm, "AmazonSSM", Http).CallAsync("PutParameter", new JsonObject
        {
            ["Name"] = DeploymentNames.SharedParameter(environment, value), ["Value"] = text, ["Type"] = "String", ["Overwrite"] = true,
        }, default);

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        if (proxy is not null)
            await proxy.DisposeAsync();
        Http.Dispose();
    }
}
