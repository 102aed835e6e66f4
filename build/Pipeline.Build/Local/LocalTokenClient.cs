using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Local;

/// <summary>
/// Gets an access token from the environment's local issuer, which the running gateway hosts under <c>/_auth</c>: a
/// client-credentials grant with the environment's client (client_secret_basic), as any OAuth client would do it.
/// The token is returned and registered with the masker; it is never logged.
/// </summary>
public sealed class LocalTokenClient(LocalGateway gateway, int port)
{
    static readonly HttpClient Client = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(15) };

    public Uri TokenEndpoint => new($"{LocalIssuerCredentials.IssuerUrl(port)}/token");

    /// <param name="deployCommand">The command that starts this environment's local platform, for the error when none runs.</param>
    public async Task<string> TokenAsync(string deployCommand, CancellationToken cancellationToken)
    {
        var notRunning = $"No local gateway of this environment runs on 127.0.0.1:{port}, and tokens come from the issuer it hosts. " +
                         $"Start the local platform first: {deployCommand}";
        var credentials = gateway.ReadIssuerCredentials()
            ?? throw new PipelineException($"{notRunning} (the first deploy also generates the issuer's key, {gateway.IssuerFile}).");
        if (new LocalGatewayRoutes(gateway, port).Running() is null)
            throw new PipelineException(notRunning);

        TokenEndpointAnswer answer;
        try
        {
            answer = await ClientCredentialsGrant.RequestAsync(Client, TokenEndpoint, credentials.ClientId, credentials.ClientSecret, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new PipelineException($"{notRunning} ({TokenEndpoint}: {e.Message})");
        }
        return answer.AccessToken ?? throw new PipelineException(
            $"The local issuer at {TokenEndpoint} gave no token ({(int)answer.Status}: {SecretMasker.Apply(answer.Body)}). " +
            $"If the gateway is older than its credentials file, redeploy: {deployCommand}. Its log: {gateway.LogPath}.");
    }
}
