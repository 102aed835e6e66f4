using System.Security.Cryptography;
using System.Text.Json;

namespace Pipeline.Gateway.Auth;

/// <summary>
/// Dynamic Client Registration (RFC 7591) at <c>/_auth/register</c>, open as the MCP authorization spec expects of a
/// development server: a client posts its metadata and gets a client id (and, unless it registers as a public client with
/// <c>token_endpoint_auth_method: none</c>, a generated secret, shown only in this answer). Registered clients are kept in
/// the issuer's state file, so they survive a gateway replacement.
/// </summary>
public static class RegistrationEndpoint
{
    public static async Task<IResult> RegisterAsync(HttpContext context, LocalAuthorizationServer server)
    {
        context.Response.Headers.CacheControl = "no-store";
        JsonElement metadata;
        try
        {
            metadata = (await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted)).RootElement.Clone();
        }
        catch (JsonException e)
        {
            return Error("invalid_client_metadata", $"The registration request must be a JSON object of client metadata (RFC 7591 §2): {e.Message}");
        }
        if (metadata.ValueKind != JsonValueKind.Object)
            return Error("invalid_client_metadata", "The registration request must be a JSON object of client metadata (RFC 7591 §2).");

        // RFC 7591 §2: without token_endpoint_auth_method a client is client_secret_basic.
        var (requestedMethod, methodProblem) = OptionalString(metadata, "token_endpoint_auth_method", AuthMethods.ClientSecretBasic);
        if (methodProblem is not null)
            return Error("invalid_client_metadata", methodProblem);
        var method = requestedMethod ?? AuthMethods.ClientSecretBasic;
        if (!AuthMethods.All.Contains(method))
            return Error("invalid_client_metadata", $"token_endpoint_auth_method '{method}' is not supported; use one of {string.Join(", ", AuthMethods.All)}.");
        var (grants, grantsProblem) = Strings(metadata, "grant_types", [GrantTypes.AuthorizationCode]);
        var (responseTypes, responseProblem) = Strings(metadata, "response_types", ["code"]);
        var (redirects, redirectsProblem) = Strings(metadata, "redirect_uris", []);
        if ((grantsProblem ?? responseProblem) is { } listProblem)
            return Error("invalid_client_metadata", listProblem);
        if (redirectsProblem is not null)
            return Error("invalid_redirect_uri", redirectsProblem);
        if (grants.FirstOrDefault(g => !GrantTypes.All.Contains(g)) is { } unknownGrant)
            return Error("invalid_client_metadata", $"grant type '{unknownGrant}' is not supported; use {string.Join(", ", GrantTypes.All)}.");
        if (responseTypes.FirstOrDefault(r => r != "code") is { } unknownResponse)
            return Error("invalid_client_metadata", $"response type '{unknownResponse}' is not supported; only code is.");
        var codeFlow = grants.Contains(GrantTypes.AuthorizationCode);
        if (codeFlow != responseTypes.Contains("code"))
            return Error("invalid_client_metadata", "grant_types authorization_code and response_types code go together (RFC 7591 §2.1).");
        if (grants.Contains(GrantTypes.ClientCredentials) && method == AuthMethods.None)
            return Error("invalid_client_metadata", "A public client (token_endpoint_auth_method none) cannot use client_credentials; register with client_secret_basic or client_secret_post.");
        if (codeFlow && redirects.Count == 0)
            return Error("invalid_redirect_uri", "A client of the authorization_code grant must register at least one redirect_uris entry.");
        if (redirects.Select(RedirectUris.ProblemWith).FirstOrDefault(p => p is not null) is { } redirectProblem)
            return Error("invalid_redirect_uri", redirectProblem);
        var (name, nameProblem) = OptionalString(metadata, "client_name", null);
        if (nameProblem is not null)
            return Error("invalid_client_metadata", nameProblem);

        var secret = method == AuthMethods.None ? null : Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var client = new OAuthClient
        {
            ClientId = "dcr-" + IssuerStore.Base64Url(RandomNumberGenerator.GetBytes(16)),
            ClientName = name,
            SecretHash = secret is null ? null : OAuthClient.HashSecret(secret),
            RedirectUris = redirects,
            GrantTypes = grants,
            TokenEndpointAuthMethod = method,
            IssuedAt = DateTimeOffset.UtcNow,
        };
        server.Store.AddClient(client);

        var answer = new Dictionary<string, object?>
        {
            ["client_id"] = client.ClientId,
            ["client_id_issued_at"] = client.IssuedAt.ToUnixTimeSeconds(),
            ["client_name"] = client.ClientName,
            ["redirect_uris"] = client.RedirectUris,
            ["grant_types"] = client.GrantTypes,
            ["response_types"] = responseTypes,
            ["token_endpoint_auth_method"] = client.TokenEndpointAuthMethod,
        };
        if (secret is not null)
        {
            answer["client_secret"] = secret;
            answer["client_secret_expires_at"] = 0;
        }
        if (name is null)
            answer.Remove("client_name");
        return Results.Json(answer, statusCode: StatusCodes.Status201Created);
    }

    static (string? Value, string? Problem) OptionalString(JsonElement metadata, string property, string? fallback)
    {
        if (!metadata.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
            return (fallback, null);
        if (value.ValueKind != JsonValueKind.String)
            return (null, $"{property} must be a string.");
        return (value.GetString(), null);
    }

    static (List<string> Values, string? Problem) Strings(JsonElement metadata, string property, List<string> fallback)
    {
        if (!metadata.TryGetProperty(property, out var array) || array.ValueKind == JsonValueKind.Null)
            return (fallback, null);
        if (array.ValueKind != JsonValueKind.Array || array.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
            return ([], $"{property} must be an array of strings.");
        return (array.EnumerateArray().Select(e => e.GetString()!).Distinct().ToList(), null);
    }

    static IResult Error(string error, string description) =>
        Results.Json(new { error, error_description = description }, statusCode: StatusCodes.Status400BadRequest);
}
