using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;

namespace Pipeline.Gateway.Auth;

/// <summary>
/// The authorization endpoint (RFC 6749 §4.1, OAuth 2.1) at <c>/_auth/authorize</c>: GET checks the request and shows
/// the consent page, POST takes the developer's decision from that page. PKCE with S256 is required (plain is refused).
/// Errors found before the redirect URI is known to be the client's are shown on the page, never redirected (the URI
/// could be anyone's); errors after that go back to the client with <c>error</c> and <c>state</c> (RFC 6749 §4.1.2.1).
/// <para>
/// With <see cref="LocalAuthorizationServer.AutoApprove"/>, a request whose redirect URI is a loopback URL is approved at
/// once (302 to the redirect URI with the code): for tests and scripts on this machine. A script can also fetch the
/// consent page and POST its form, as the browser does.
/// </para>
/// </summary>
public static partial class AuthorizeEndpoint
{
    public static async Task<IResult> ShowAsync(HttpContext context, LocalAuthorizationServer server)
    {
        var query = context.Request.Query;
        string? One(string name) => query.TryGetValue(name, out var values) && values.Count == 1 ? values[0] : null;

        var clientId = One("client_id");
        if (string.IsNullOrEmpty(clientId))
            return ConsentPage.Problem("The authorization request has no client_id.", "Start the sign-in from the MCP client again; it sends its client_id.");
        var (client, clientProblem) = await server.FindClientAsync(clientId, context.RequestAborted);
        if (client is null)
            return ConsentPage.Problem(clientProblem!, "Register the client again (RFC 7591), or check its metadata document.");
        var requestedRedirect = One("redirect_uri");
        if (requestedRedirect is null && client.RedirectUris.Count != 1)
            return ConsentPage.Problem($"The request of client '{client.ClientId}' names no redirect_uri, and the client has {client.RedirectUris.Count} registered.",
                "Send redirect_uri with the authorization request.");
        var redirectUri = requestedRedirect ?? client.RedirectUris[0];
        if (client.MatchRedirect(redirectUri) is null)
            return ConsentPage.Problem(
                $"redirect_uri '{redirectUri}' is not one client '{client.ClientId}' registered ({(client.RedirectUris.Count == 0 ? "none" : string.Join(", ", client.RedirectUris))}).",
                "Register the redirect URI with the client; loopback URIs match on any port, every other one exactly.");

        // From here the redirect URI is the client's own: errors go back to it.
        var state = One("state");
        if (One("response_type") != "code")
            return Redirect(redirectUri, state, "unsupported_response_type", "response_type must be code (authorization code with PKCE).");
        if (!client.Allows(GrantTypes.AuthorizationCode))
            return Redirect(redirectUri, state, "unauthorized_client", $"Client '{client.ClientId}' is not registered for the authorization_code grant.");
        var challenge = One("code_challenge");
        var method = One("code_challenge_method");
        if (string.IsNullOrEmpty(challenge))
            return Redirect(redirectUri, state, "invalid_request", "PKCE is required: send code_challenge with code_challenge_method=S256.");
        if (method != "S256")
            return Redirect(redirectUri, state, "invalid_request", $"code_challenge_method must be S256 ({(method is null ? "none given, which means plain" : $"'{method}' given")}); plain is not accepted.");
        if (!ChallengeFormat().IsMatch(challenge))
            return Redirect(redirectUri, state, "invalid_request", "code_challenge must be the 43-character base64url SHA-256 of the code verifier (RFC 7636 §4.2).");
        var resource = One("resource");
        var resourceService = resource is null ? null : server.Resources.ServiceAt(resource);
        if (query.TryGetValue("resource", out var resources) && resources.Count > 1)
            return Redirect(redirectUri, state, "invalid_target", "Ask for one resource per authorization request.");
        if (resource is not null && resourceService is null)
            return Redirect(redirectUri, state, "invalid_target", $"resource '{resource}' is not one of this gateway's protected resources ({server.Resources.DescribeResources()}, or a URL under one).");
        var scope = server.Resources.Decide(One("scope"), resourceService);
        if (scope.Problem is not null)
            return Redirect(redirectUri, state, "invalid_scope", scope.Problem);

        var request = new AuthorizationRequest(client, redirectUri, state, challenge, scope, resource);
        if (server.AutoApprove && RedirectUris.IsLoopbackRedirect(new Uri(redirectUri)))
            return Approve(server, request);
        return ConsentPage.Ask(request, server.Codes.AwaitConsent(request), server.Resources);
    }

    public static async Task<IResult> DecideAsync(HttpContext context, LocalAuthorizationServer server)
    {
        if (!context.Request.HasFormContentType)
            return ConsentPage.Problem("The consent decision must be the consent page's form.", "Open the authorization URL again.");
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var formToken = form[ConsentPage.FormTokenField].ToString();
        var request = formToken.Length == 0 ? null : server.Codes.TakePending(formToken);
        if (request is null)
            return ConsentPage.Problem("This consent form was used already or has expired (it is good for one decision within 10 minutes).",
                "Start the sign-in from the MCP client again.");
        return form[ConsentPage.DecisionField].ToString() == ConsentPage.Allow
            ? Approve(server, request)
            : Redirect(request.RedirectUri, request.State, "access_denied", "The developer denied the request on the consent page.");
    }

    static IResult Approve(LocalAuthorizationServer server, AuthorizationRequest request)
    {
        var code = server.Codes.IssueCode(request);
        return Results.Redirect(QueryHelpers.AddQueryString(request.RedirectUri, Parameters(request.State, ("code", code), ("iss", server.Issuer.Issuer))));
    }

    static IResult Redirect(string redirectUri, string? state, string error, string description) =>
        Results.Redirect(QueryHelpers.AddQueryString(redirectUri, Parameters(state, ("error", error), ("error_description", description))));

    static Dictionary<string, string?> Parameters(string? state, params (string Name, string Value)[] values)
    {
        var parameters = values.ToDictionary(v => v.Name, v => (string?)v.Value);
        if (state is not null)
            parameters["state"] = state;
        return parameters;
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{43}$")]
    private static partial Regex ChallengeFormat();
}
