using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws;

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
        using var request = new HttpRequestMessage(HttpMethod.Post, tokenEndpoint)
        {
            // No scope: Cognito then grants every scope the client is allowed (the API's invoke scope).
            Content = new FormUrlEncodedContent([new("grant_type", "client_credentials")]),
        };
        // RFC 6749 2.3.1: id and secret form-encoded, then Basic.
        var basic = $"{Uri.EscapeDataString(client.ClientId)}:{Uri.EscapeDataString(client.ClientSecret)}";
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(basic)));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            throw new PipelineException($"Token endpoint {tokenEndpoint} is not reachable ({e.Message}). Check network access to it.", e);
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode)
                throw new PipelineException(
                    $"Token endpoint {tokenEndpoint} refused the client-credentials grant of client {client.ClientId}: " +
                    $"{(int)response.StatusCode} {OAuthError(body) ?? response.ReasonPhrase}. " +
                    (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized
                        ? "Check that the client still allows the client_credentials flow; deploy the shared stack again to restore it."
                        : "Try again; if it persists, check the user pool's domain in the Cognito console."));
            var token = AccessTokenIn(body) ?? throw new PipelineException(
                $"Token endpoint {tokenEndpoint} answered {(int)response.StatusCode} without an access_token. Is {tokenEndpoint} really the pool's /oauth2/token?");
            return token;
        }
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

    static string? AccessTokenIn(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("access_token", out var token) && token.ValueKind == JsonValueKind.String &&
                   token.GetString() is { Length: > 0 } value
                ? value
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The OAuth error code and description of a refusal (<c>invalid_client</c>, ...); never the request.</summary>
    static string? OAuthError(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("error", out var error))
                return null;
            return root.TryGetProperty("error_description", out var description) ? $"{error.GetString()}: {description.GetString()}" : error.GetString();
        }
        catch (JsonException)
        {
            return null;
        }
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
