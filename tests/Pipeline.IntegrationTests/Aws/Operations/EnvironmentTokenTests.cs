using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Aws.Operations;
using Pipeline.Build.Engine;
using Pipeline.IntegrationTests.Infrastructure;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.Aws.Operations;

/// <summary>
/// <c>./build.sh Token</c> on AWS: the ids and the token endpoint come from the shared stack's SSM parameters and the client
/// secret from Cognito DescribeUserPoolClient (both moto, over HTTP); the client-credentials grant goes to a token endpoint on
/// 127.0.0.1 (moto has no /oauth2/token). The secret is masked and never printed; an external issuer gets a how-to instead.
/// </summary>
public sealed class EnvironmentTokenTests(MotoServer moto) : MotoTests(moto)
{
    readonly string environment = "t" + Guid.NewGuid().ToString("N")[..8];

    EnvironmentToken Token => new(new SsmClient(Connection, Http), new CognitoIdentityProviderClient(Connection, Http), Http);

    /// <summary>A user pool with a machine client (generated secret), published as the shared stack publishes it.</summary>
    async Task<(string ClientId, string Secret)> SharedStackWithCognitoAsync(Uri tokenEndpoint)
    {
        var pool = (await CognitoAsync("CreateUserPool", new JsonObject { ["PoolName"] = $"apigw-{environment}" }))["UserPool"]!["Id"]!.GetValue<string>();
        var client = (await CognitoAsync("CreateUserPoolClient", new JsonObject
        {
            ["UserPoolId"] = pool, ["ClientName"] = $"apigw-{environment}-machine", ["GenerateSecret"] = true,
            ["AllowedOAuthFlows"] = new JsonArray("client_credentials"), ["AllowedOAuthFlowsUserPoolClient"] = true,
        }))["UserPoolClient"]!;
        await PublishSharedValueAsync(environment, SharedValue.UserPoolId, pool);
        await PublishSharedValueAsync(environment, SharedValue.TokenClientId, client["ClientId"]!.GetValue<string>());
        await PublishSharedValueAsync(environment, SharedValue.TokenEndpoint, tokenEndpoint.ToString());
        return (client["ClientId"]!.GetValue<string>(), client["ClientSecret"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_client_credentials_grant_of_the_environments_cognito_client_returns_the_access_token()
    {
        await using var endpoint = new TokenEndpoint();
        var (clientId, secret) = await SharedStackWithCognitoAsync(endpoint.Url);
        endpoint.Accept(clientId, secret, "eyJ.token-for-" + environment);
        var log = new RecordingStepLog();

        var token = await Token.GetAsync(environment, log, default);

        token.Should().Be("eyJ.token-for-" + environment);
        endpoint.Requests.Should().ContainSingle().Which.Should().Be("grant_type=client_credentials");
        SecretMasker.Apply($"secret {secret}").Should().Be($"secret {SecretMasker.Mask}", "the client secret is masked in every line from then on");
        log.Text.Should().Contain($"client-credentials grant of Cognito client {clientId}").And.NotContain(secret).And.NotContain(token);
    }

    [Fact]
    public async Task A_refused_grant_names_the_oauth_error_and_never_the_secret()
    {
        await using var endpoint = new TokenEndpoint();
        var (_, secret) = await SharedStackWithCognitoAsync(endpoint.Url);
        endpoint.Accept("someone-else", "x", "never");

        var failure = await FluentActions.Awaiting(() => Token.GetAsync(environment, new RecordingStepLog(), default)).Should().ThrowAsync<PipelineException>();

        failure.Which.Message.Should().Contain("refused the client-credentials grant").And.Contain("400 invalid_client: Client authentication failed")
            .And.NotContain(secret);
    }

    [Fact]
    public async Task An_environment_whose_shared_stack_trusts_an_external_issuer_gets_how_to_get_a_token_from_it()
    {
        await PublishSharedValueAsync(environment, SharedValue.UserPoolId, DeploymentNames.NoIssuerOfOurOwn);
        await PublishSharedValueAsync(environment, SharedValue.TokenClientId, DeploymentNames.NoIssuerOfOurOwn);
        await PublishSharedValueAsync(environment, SharedValue.TokenEndpoint, DeploymentNames.NoIssuerOfOurOwn);
        await PublishSharedValueAsync(environment, SharedValue.AuthIssuer, "https://login.example.com/tenant-1/v2.0");
        await PublishSharedValueAsync(environment, SharedValue.AuthAudience, "api://apigw-test");

        var failure = await FluentActions.Awaiting(() => Token.GetAsync(environment, new RecordingStepLog(), default)).Should().ThrowAsync<PipelineException>();

        failure.Which.Message.Should().Contain($"Environment {environment} accepts tokens of https://login.example.com/tenant-1/v2.0 for audience api://apigw-test")
            .And.Contain("client-credentials grant").And.Contain("https://login.example.com/tenant-1/v2.0/.well-known/openid-configuration")
            .And.Contain("Entra: scope=api://apigw-test/.default");
    }

    [Fact]
    public void A_profile_that_names_an_external_issuer_is_answered_without_calling_aws() =>
        EnvironmentToken.ExternalIssuer("dev", "https://example.okta.com/oauth2/default", "api://apigw-dev").Message
            .Should().Contain("accepts tokens of https://example.okta.com/oauth2/default for audience api://apigw-dev").And.Contain("Authorization: Bearer <access_token>");

    [Fact]
    public async Task An_environment_that_is_not_deployed_says_to_deploy_first()
    {
        var failure = await FluentActions.Awaiting(() => Token.GetAsync(environment, new RecordingStepLog(), default)).Should().ThrowAsync<PipelineException>();

        failure.Which.Message.Should().Contain($"Environment {environment} has no token issuer to ask")
            .And.Contain(DeploymentNames.SharedParameter(environment, SharedValue.TokenClientId)).And.Contain("./build.sh Deploy");
    }

    /// <summary>A token endpoint on 127.0.0.1 that grants client_credentials to one client id and secret (HTTP Basic, RFC 6749 2.3.1).</summary>
    sealed class TokenEndpoint : IAsyncDisposable
    {
        readonly HttpListener listener = new();
        readonly CancellationTokenSource stop = new();
        readonly Task serving;
        readonly List<string> requests = [];
        (string Id, string Secret, string Token)? accepted;

        public TokenEndpoint()
        {
            var port = FreePort();
            Url = new Uri($"http://127.0.0.1:{port}/oauth2/token");
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            listener.Start();
            serving = Task.Run(ServeAsync);
        }

        public Uri Url { get; }

        public IReadOnlyList<string> Requests { get { lock (requests) return requests.ToList(); } }

        public void Accept(string clientId, string secret, string token) => accepted = (clientId, secret, token);

        async Task ServeAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception) when (stop.IsCancellationRequested)
                {
                    return;
                }
                using var reader = new StreamReader(context.Request.InputStream);
                var body = await reader.ReadToEndAsync();
                lock (requests) requests.Add(body);
                var basic = context.Request.Headers["Authorization"] is { } header && header.StartsWith("Basic ", StringComparison.Ordinal)
                    ? Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..]))
                    : "";
                var granted = accepted is { } a && basic == $"{Uri.EscapeDataString(a.Id)}:{Uri.EscapeDataString(a.Secret)}" &&
                              context.Request.Url!.AbsolutePath == "/oauth2/token" && body == "grant_type=client_credentials";
                context.Response.StatusCode = granted ? 200 : 400;
                context.Response.ContentType = "application/json";
                var answer = granted
                    ? $"{{\"access_token\":\"{accepted!.Value.Token}\",\"expires_in\":3600,\"token_type\":\"Bearer\"}}"
                    : "{\"error\":\"invalid_client\",\"error_description\":\"Client authentication failed\"}";
                await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes(answer));
                context.Response.Close();
            }
        }

        static int FreePort() => LoopbackPorts.Reserve();

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            listener.Stop();
            listener.Close();
            await serving.ContinueWith(_ => { });
        }
    }
}
