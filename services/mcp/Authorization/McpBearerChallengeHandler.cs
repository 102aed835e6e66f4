using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using ModelContextProtocol.AspNetCore.Authentication;

namespace Mcp.Server.Authorization;

/// <summary>
/// The SDK's MCP authentication handler (resource metadata, and the challenge <c>Bearer resource_metadata="..."</c>) with
/// RFC 6750's parameters added to that challenge: <c>error</c>, <c>scope</c> and <c>error_description</c>, taken from the
/// challenge's <see cref="AuthenticationProperties"/> (<see cref="ErrorItem"/>, <see cref="ScopeItem"/>,
/// <see cref="DescriptionItem"/>). Forbidding gives the same challenge with 403, the MCP authorization spec's answer to a
/// token without the needed scope (step-up: <c>error="insufficient_scope"</c>).
/// </summary>
public sealed class McpBearerChallengeHandler(IOptionsMonitor<McpAuthenticationOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : McpAuthenticationHandler(options, logger, encoder)
{
    public const string ErrorItem = "error";
    public const string ScopeItem = "scope";
    public const string DescriptionItem = "error_description";

    private const string BearerPrefix = "Bearer ";

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        await base.HandleChallengeAsync(properties);
        var parameters = new[] { ErrorItem, ScopeItem, DescriptionItem }
            .Where(name => properties.Items.TryGetValue(name, out var value) && !string.IsNullOrEmpty(value))
            .Select(name => $"{name}=\"{QuotedStringSafe(properties.Items[name]!)}\"")
            .ToList();
        if (parameters.Count == 0)
        {
            return;
        }

        // The SDK appended one challenge, Bearer resource_metadata="...": the RFC 6750 parameters go in front of its own.
        var challenges = Response.Headers.WWWAuthenticate.ToArray();
        var sdkChallenge = challenges.Length > 0 ? challenges[^1] : null;
        if (sdkChallenge is null || !sdkChallenge.StartsWith(BearerPrefix, StringComparison.Ordinal))
        {
            Response.Headers.Append("WWW-Authenticate", BearerPrefix + string.Join(", ", parameters));
            return;
        }

        challenges[^1] = BearerPrefix + string.Join(", ", parameters) + ", " + sdkChallenge[BearerPrefix.Length..];
        Response.Headers.WWWAuthenticate = challenges;
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        await HandleChallengeAsync(properties);
        Response.StatusCode = StatusCodes.Status403Forbidden;
    }

    /// <summary>RFC 6750 §3: the attribute values are printable ASCII without <c>"</c> and <c>\</c>.</summary>
    private static string QuotedStringSafe(string text) =>
        new(text.Select(c => c is >= ' ' and <= '~' and not '"' and not '\\' ? c : '\'').ToArray());
}
