using System.Security.Cryptography;

namespace Pipeline.Manifests;

/// <summary>
/// The request id that follows one request through the gateway and every service (<see cref="DeploymentNames.RequestIdHeader"/>):
/// the shape of API Gateway's <c>$context.requestId</c> for HTTP APIs (base64 of 11 random bytes, 16 characters, e.g.
/// <c>JKJaXmPLvHcESHA=</c>), which the local gateway makes too, and the check every reader applies before it trusts one.
/// </summary>
public static class RequestIds
{
    public const int MaxLength = 128;

    public static string New() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(11));

    /// <summary>
    /// Whether <paramref name="id"/> can be a request id: 1 to 128 characters of <c>A-Z a-z 0-9 + / = _ . -</c>. Anything else
    /// never reaches a log line or a query (a Logs Insights filter embeds it).
    /// </summary>
    public static bool IsWellFormed(string? id) =>
        id is { Length: > 0 and <= MaxLength } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=' or '_' or '.' or '-');
}
