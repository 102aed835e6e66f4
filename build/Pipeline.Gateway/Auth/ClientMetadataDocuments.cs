using System.Net.Http.Headers;
using System.Text.Json;

namespace Pipeline.Gateway.Auth;

/// <summary>
/// Client ID Metadata Documents (MCP 2025-11-25, draft-ietf-oauth-client-id-metadata-document): a client whose
/// <c>client_id</c> is an URL is described by the JSON document at that URL. The document is fetched when the client
/// asks to be authorized, from <c>https://</c> URLs, or <c>http://</c> on 127.0.0.1/localhost for clients on this
/// machine; with a short timeout, no redirects and a size cap, since the URL is whatever a caller typed. Its
/// <c>client_id</c> must be the URL itself, and it may only describe a public client (there is no secret to share).
/// </summary>
public sealed class ClientMetadataDocuments : IDisposable
{
    public static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(5);
    public const int MaxDocumentBytes = 64 * 1024;

    readonly HttpClient http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false }) { Timeout = FetchTimeout };

    /// <summary>Whether <paramref name="clientId"/> names a metadata document (an https URL, or http on a loopback host).</summary>
    public static bool IsDocumentUrl(string clientId) =>
        Uri.TryCreate(clientId, UriKind.Absolute, out var url)
        && (url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && url.Host is "127.0.0.1" or "localhost"));

    /// <summary>The client the document at <paramref name="clientId"/> describes, or why it cannot be used.</summary>
    public async Task<(OAuthClient? Client, string? Problem)> ResolveAsync(string clientId, CancellationToken cancellationToken)
    {
        if (!IsDocumentUrl(clientId))
            return (null, $"client_id '{clientId}' is neither a registered client nor a metadata document URL (https://, or http://127.0.0.1 or localhost).");
        if (clientId.Contains('#'))
            return (null, $"client_id '{clientId}' has a fragment, which a metadata document URL may not have.");
        JsonElement document;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, clientId);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
                return (null, $"The client metadata document at {clientId} answered {(int)response.StatusCode}; the client's document must be served there with 200.");
            if (response.Content.Headers.ContentLength > MaxDocumentBytes)
                return (null, $"The client metadata document at {clientId} is larger than {MaxDocumentBytes} bytes.");
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[MaxDocumentBytes + 1];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
                length += read;
            if (length > MaxDocumentBytes)
                return (null, $"The client metadata document at {clientId} is larger than {MaxDocumentBytes} bytes.");
            document = JsonDocument.Parse(buffer.AsMemory(0, length)).RootElement.Clone();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            return (null, $"The client metadata document at {clientId} could not be read ({(e is TaskCanceledException ? $"no answer within {FetchTimeout.TotalSeconds:0} s" : e.Message)}).");
        }

        if (document.ValueKind != JsonValueKind.Object)
            return (null, $"The client metadata document at {clientId} is not a JSON object.");
        if (!document.TryGetProperty("client_id", out var id) || id.ValueKind != JsonValueKind.String || id.GetString() != clientId)
            return (null, $"The client metadata document at {clientId} must name that same URL as its client_id.");
        var method = document.TryGetProperty("token_endpoint_auth_method", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : AuthMethods.None;
        if (method != AuthMethods.None)
            return (null, $"The client metadata document at {clientId} asks for token_endpoint_auth_method '{method}'; this issuer takes metadata-document clients as public clients only (none).");
        var redirects = Strings(document, "redirect_uris");
        if (redirects.Count == 0)
            return (null, $"The client metadata document at {clientId} lists no redirect_uris.");
        if (redirects.Select(RedirectUris.ProblemWith).FirstOrDefault(p => p is not null) is { } redirectProblem)
            return (null, $"The client metadata document at {clientId}: {redirectProblem}.");
        var grants = Strings(document, "grant_types");
        return (new OAuthClient
        {
            ClientId = clientId,
            ClientName = document.TryGetProperty("client_name", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null,
            RedirectUris = redirects,
            GrantTypes = grants.Count == 0 ? [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken] : grants.Where(g => g != GrantTypes.ClientCredentials).ToList(),
            TokenEndpointAuthMethod = AuthMethods.None,
            IsMetadataDocument = true,
        }, null);
    }

    static List<string> Strings(JsonElement document, string property) =>
        document.TryGetProperty(property, out var array) && array.ValueKind == JsonValueKind.Array
            ? array.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList()
            : [];

    public void Dispose() => http.Dispose();
}
