using System.Net;
using System.Text;

namespace Pipeline.Gateway.Auth;

/// <summary>
/// The consent page the developer sees in the browser: plain server-rendered HTML, nothing loaded from elsewhere, every
/// value a client supplied HTML-encoded. It names the client (name, id, and for a metadata document the host serving it),
/// where the browser goes next (the redirect host), and each scope with the service it opens; one form with Allow and
/// Deny, carrying a one-time token bound to the pending request. The page may not be framed (clickjacking).
/// </summary>
public static class ConsentPage
{
    public const string FormTokenField = "form_token";
    public const string DecisionField = "decision";
    public const string Allow = "allow";
    public const string Deny = "deny";

    public static void Protect(HttpResponse response)
    {
        response.Headers.CacheControl = "no-store";
        response.Headers["X-Frame-Options"] = "DENY";
        response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";
        response.Headers["Referrer-Policy"] = "no-referrer";
    }

    public static IResult Ask(AuthorizationRequest request, string formToken, ProtectedResources resources)
    {
        var client = request.Client;
        var redirect = new Uri(request.RedirectUri);
        var body = new StringBuilder();
        body.Append("<h1>Allow access to the local API?</h1>");
        body.Append("<p><strong id=\"client-name\">").Append(E(client.ClientName ?? "An unnamed client")).Append("</strong> asks for access.</p>");
        body.Append("<dl>");
        body.Append("<dt>Client id</dt><dd id=\"client-id\"><code>").Append(E(client.ClientId)).Append("</code></dd>");
        if (client.IsMetadataDocument)
            body.Append("<dt>Described by</dt><dd id=\"client-host\">").Append(E(new Uri(client.ClientId).Authority)).Append(" (client metadata document)</dd>");
        body.Append("<dt>Returns to</dt><dd id=\"redirect-host\">").Append(E(redirect.IsAbsoluteUri && redirect.Authority.Length > 0 ? redirect.Authority : redirect.Scheme + ":")).Append("</dd>");
        if (request.Resource is not null)
            body.Append("<dt>For</dt><dd id=\"resource\"><code>").Append(E(request.Resource)).Append("</code></dd>");
        body.Append("</dl><h2>It will be able to</h2><ul id=\"scopes\">");
        foreach (var scope in request.Scope.Scopes)
        {
            var service = resources.ServiceOfScope(scope);
            body.Append("<li><code>").Append(E(scope)).Append("</code>: call the <strong>").Append(E(service?.Name ?? scope))
                .Append("</strong> service (<code>").Append(E(service?.RoutePrefix ?? "")).Append("/*</code>)</li>");
        }
        body.Append("</ul>");
        body.Append("<form method=\"post\" action=\"").Append(E(LocalIssuerEndpoints.AuthorizePath)).Append("\">");
        body.Append("<input type=\"hidden\" name=\"").Append(FormTokenField).Append("\" value=\"").Append(E(formToken)).Append("\">");
        body.Append("<button type=\"submit\" id=\"allow\" name=\"").Append(DecisionField).Append("\" value=\"").Append(Allow).Append("\">Allow</button> ");
        body.Append("<button type=\"submit\" id=\"deny\" name=\"").Append(DecisionField).Append("\" value=\"").Append(Deny).Append("\">Deny</button>");
        body.Append("</form><p class=\"note\">Local development issuer: this page grants a token to the client above; no account is involved.</p>");
        return new HtmlPage("Allow access? — local issuer", body.ToString(), StatusCodes.Status200OK);
    }

    /// <summary>A request that cannot go back to the client: shown here, with what to do.</summary>
    public static IResult Problem(string problem, string nextStep) =>
        new HtmlPage("Authorization request refused — local issuer",
            $"<h1>This authorization request cannot be served</h1><p id=\"problem\">{E(problem)}</p><p>{E(nextStep)}</p>",
            StatusCodes.Status400BadRequest);

    static string E(string value) => WebUtility.HtmlEncode(value);

    sealed class HtmlPage(string title, string body, int status) : IResult
    {
        public Task ExecuteAsync(HttpContext context)
        {
            Protect(context.Response);
            context.Response.StatusCode = status;
            context.Response.ContentType = "text/html; charset=utf-8";
            return context.Response.WriteAsync(
                "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">" +
                $"<title>{E(title)}</title><style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}}" +
                "dt{font-weight:bold}button{font-size:1rem;padding:.5rem 1.5rem;margin-right:.5rem}.note{color:#555;font-size:.9rem}</style></head>" +
                $"<body>{body}</body></html>", context.RequestAborted);
        }
    }
}
