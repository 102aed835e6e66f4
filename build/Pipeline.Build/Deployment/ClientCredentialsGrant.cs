using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Deployment;

/// <summary>
/// One OAuth 2.0 client-credentials grant (RFC 6749 §4.4), as <c>./build.sh Token</c> makes it against the local issuer and
/// against Cognito: client authentication by HTTP Basic, no scope (the issuer grants what the client may have). A token it
/// gets is registered with the masker at once, so only the line meant for it ever shows it. Transport failures are the
/// caller's to word: it knows what the endpoint is.
/// </summary>
public static class ClientCredentialsGrant
{
    public static async Task<TokenEndpointAnswer> RequestAsync(HttpClient http, Uri tokenEndpoint, string clientId, string clientSecret, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, tokenEndpoint)
        {
            Content = new FormUrlEncodedContent([new("grant_type", "client_credentials")]),
        };
        // RFC 6749 §2.3.1: id and secret form-encoded, then Basic.
        var basic = $"{Uri.EscapeDataString(clientId)}:{Uri.EscapeDataString(clientSecret)}";
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(basic)));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        using var response = await http.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        var token = response.IsSuccessStatusCode ? AccessTokenIn(body) : null;
        if (token is not null)
            SecretMasker.Register(token);
        return new TokenEndpointAnswer(response.StatusCode, response.ReasonPhrase, body, token, OAuthError(body));
    }

    static string? AccessTokenIn(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object &&
                   document.RootElement.TryGetProperty("access_token", out var token) && token.ValueKind == JsonValueKind.String &&
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
}

/// <summary>What a token endpoint answered: the token when it gave one, else its status, OAuth error and body for the message.</summary>
public sealed record TokenEndpointAnswer(HttpStatusCode Status, string? ReasonPhrase, string Body, string? AccessToken, string? Error);
