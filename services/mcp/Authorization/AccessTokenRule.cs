using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Mcp.Server.Authorization;

/// <summary>
/// Access tokens only (RFC 9068; Cognito's <c>token_use</c>), the rule the local gateway applies too: a token whose
/// <c>token_use</c> is anything but <c>access</c> is refused (a Cognito ID token says <c>id</c>, and its <c>aud</c> is the
/// client id, so it could otherwise pass the audience check), and so is one whose header <c>typ</c> is present and is neither
/// <c>at+jwt</c> nor <c>application/at+jwt</c>, unless it says <c>token_use=access</c> (Cognito's access tokens are
/// <c>typ: JWT</c>). A token with neither is accepted: many external issuers mark access tokens in no way at all.
/// </summary>
public static class AccessTokenRule
{
    public const string TokenUseClaim = "token_use";
    public const string AccessTokenType = "at+jwt";

    /// <summary>Null for an access token, otherwise why the token is refused.</summary>
    public static string? Refusal(JsonWebToken token)
    {
        var tokenUse = token.TryGetPayloadValue<string>(TokenUseClaim, out var use) ? use : null;
        if (tokenUse is not null)
        {
            return tokenUse == "access" ? null : $"The token is not an access token (token_use={tokenUse}). Send an access token.";
        }

        var type = token.Typ;
        return string.IsNullOrEmpty(type)
            || string.Equals(type, AccessTokenType, StringComparison.OrdinalIgnoreCase)
            || string.Equals(type, "application/" + AccessTokenType, StringComparison.OrdinalIgnoreCase)
            ? null
            : $"The token is not an access token (typ {type}, expected {AccessTokenType}). Send an access token.";
    }
}

/// <summary>A token that validated but is not an access token (<see cref="AccessTokenRule"/>).</summary>
public sealed class NotAnAccessTokenException(string message) : SecurityTokenValidationException(message);
