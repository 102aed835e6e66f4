using System.Net;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws.Operations;

/// <summary>
/// An access token the environment's API accepts, for <c>./build.sh Token</c> on AWS: the client-credentials grant of the
/// environment's Cognito machine client (ids and token endpoint from the shared stack's SSM parameters, the client secret
/// from Cognito <c>DescribeUserPoolClient</c>, masked in every output line). An environment that trusts an external
/// identity provider has no client of ours; then the answer is how to get a token from that provider.
/// </summary>
public sealed class EnvironmentToken(SsmClient ssm, CognitoIdentityProviderClient cognito, HttpClient http)
{
    /// <summary>The token, from the client the shared stack of <paramref name="environment"/> created.</summary>
    public async Task<string> GetAsync(string environment, IStepLog log, CancellationToken ct)
    {
        string Path(SharedValue value) => DeploymentNames.SharedParameter(environment, value);
        var values = await ssm.GetParametersAsync(
            [Path(SharedValue.UserPoolId), Path(SharedValue.TokenClientId), Path(SharedValue.TokenEndpoint), Path(SharedValue.AuthIssuer), Path(SharedValue.AuthAudience)], ct);
        string? Value(SharedValue value) => values.GetValueOrDefault(Path(value)) is { Length: > 0 } text ? text : null;

        if (Value(SharedValue.UserPoolId) is not { } userPool || Value(SharedValue.TokenClientId) is not { } clientId || Value(SharedValue.TokenEndpoint) is not { } endpoint)
            throw new PipelineException(
                $"Environment {environment} has no token issuer to ask: SSM parameter {Path(SharedValue.TokenClientId)} (or {Path(SharedValue.UserPoolId)}, " +
                $"{Path(SharedValue.TokenEndpoint)}) does not exist, so its shared stack is not deployed, or was deployed before the API required tokens. " +
                $"Run ./build.sh Deploy --profile <profile of {environment}> first.");
        if (userPool == DeploymentNames.NoIssuerOfOurOwn)
            throw ExternalIssuer(environment, Value(SharedValue.AuthIssuer) ?? "(unknown)", Value(SharedValue.AuthAudience));

        var tokenEndpoint = RequireTokenEndpoint(endpoint, Path(SharedValue.TokenEndpoint));
        log.Info($"Environment {environment}: client-credentials grant of Cognito client {clientId} (user pool {userPool}) at {tokenEndpoint}");
        var client = await cognito.DescribeUserPoolClientAsync(userPool, clientId, ct);
        if (client.ClientSecret.Length == 0)
            throw new PipelineException(
                $"Cognito client {clientId} of user pool {userPool} has no secret, so it cannot use the client-credentials grant. " +
                "It is not the client the shared stack creates; deploy the shared stack again (./build.sh Deploy).");
        return await RequestAsync(tokenEndpoint, client, ct);
    }

    async Task<string> RequestAsync(Uri tokenEndpoint, UserPoolClientCredentials client, CancellationToken ct)
    {
        TokenEndpointAnswer answer;
        try
        {
            answer = await ClientCredentialsGrant.RequestAsync(http, tokenEndpoint, client.ClientId, client.ClientSecret, ct);
        }
        catch (HttpRequestException e)
        {
            throw new PipelineException($"Token endpoint {tokenEndpoint} is not reachable ({e.Message}). Check network access to it.", e);
        }
        if ((int)answer.Status is < 200 or > 299)
            throw new PipelineException(
                $"Token endpoint {tokenEndpoint} refused the client-credentials grant of client {client.ClientId}: " +
                $"{(int)answer.Status} {answer.Error ?? answer.ReasonPhrase}. " +
                (answer.Status is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized
                    ? "Check that the client still allows the client_credentials flow; deploy the shared stack again to restore it."
                    : "Try again; if it persists, check the user pool's domain in the Cognito console."));
        return answer.AccessToken ?? throw new PipelineException(
            $"Token endpoint {tokenEndpoint} answered {(int)answer.Status} without an access_token. Is {tokenEndpoint} really the pool's /oauth2/token?");
    }

    static Uri RequireTokenEndpoint(string text, string parameter)
    {
        // http only on loopback: a client secret never travels in clear text over a network.
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) &&
            (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback)))
            return uri;
        throw new PipelineException(
            $"SSM parameter {parameter} holds '{text}', which is not an https token endpoint. Deploy the shared stack again to restore it (./build.sh Deploy).");
    }

    /// <summary>The environment trusts another identity provider: the pipeline holds no client there, so say how to get a token.</summary>
    public static PipelineException ExternalIssuer(string environment, string issuer, string? audience) => new(
        $"Environment {environment} accepts tokens of {issuer}{(audience is null ? "" : $" for audience {audience}")} (JwtIssuer in its profile), " +
        "not of a Cognito pool of its own, so the pipeline has no client to get one with. Get a token from that provider with the " +
        $"client-credentials grant: POST grant_type=client_credentials with your client's id and secret to its token endpoint " +
        $"(token_endpoint in {issuer.TrimEnd('/')}/.well-known/openid-configuration), asking for audience {audience ?? "<JwtAudience>"} " +
        $"(Entra: scope={audience ?? "<JwtAudience>"}/.default; Auth0: audience={audience ?? "<JwtAudience>"}; Okta and Cognito: a scope of that API), " +
        "then call the API with 'Authorization: Bearer <access_token>'.");
}
