using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Pipeline.Gateway.Tests;

/// <summary>
/// The consent page of a gateway that does not approve by itself: what it shows, its one-time form (as a script posts it),
/// and a real headless chromium clicking Allow and landing on the client's loopback redirect with a code.
/// </summary>
public sealed partial class ConsentPageTests : IAsyncLifetime
{
    const string HostileName = "Evil <script>alert(1)</script> & Co";
    readonly ServicesFolder services = new("alpha", "mcp");
    readonly ConcurrentQueue<Dictionary<string, string>> callbacks = new();
    LocalServer gateway = null!;
    LocalServer callback = null!;
    OAuthTestClient oauth = null!;

    string RedirectUri => new Uri(callback.BaseAddress, "/callback").ToString();

    public async Task InitializeAsync()
    {
        gateway = await LocalServer.StartGatewayAsync(services.Path, new Dictionary<string, Uri>());
        // The client's loopback listener: it records what the browser brings back.
        callback = await LocalServer.StartUpstreamAsync(app => app.MapGet("/callback", (HttpContext context) =>
        {
            callbacks.Enqueue(context.Request.Query.ToDictionary(p => p.Key, p => p.Value.ToString()));
            return Results.Text("<!doctype html><title>signed in</title><p id=\"done\">You may close this window.</p>", "text/html");
        }));
        oauth = new OAuthTestClient(gateway.BaseAddress);
    }

    [Fact]
    public async Task The_page_names_the_client_the_redirect_host_and_each_scope_with_its_service_encoding_what_the_client_sent()
    {
        var clientId = await oauth.RegisterPublicClientAsync(HostileName, RedirectUri);
        var (_, challenge) = OAuthTestClient.Pkce();

        using var response = await oauth.AuthorizeAsync(clientId, RedirectUri, challenge, scope: "apigw-test/mcp");
        var html = await response.Content.ReadAsStringAsync();

        response.StatusCode.Should().Be(HttpStatusCode.OK, "without auto-approval even a loopback redirect gets the page");
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
        html.Should().Contain(WebUtility.HtmlEncode(HostileName)).And.NotContain("<script>");
        html.Should().Contain(clientId).And.Contain($"127.0.0.1:{callback.BaseAddress.Port}");
        html.Should().Contain("apigw-test/mcp").And.Contain("<strong>mcp</strong>").And.NotContain("apigw-test/alpha");
        html.Should().NotContainAny("<script", "src=\"http", "href=\"http");
        response.Headers.GetValues("X-Frame-Options").Should().Equal("DENY");
        response.Headers.CacheControl!.NoStore.Should().BeTrue();
    }

    [Fact]
    public async Task A_script_posts_the_form_once_allow_redirects_with_a_code_and_deny_with_access_denied()
    {
        var clientId = await oauth.RegisterPublicClientAsync("scripted", RedirectUri);
        var (verifier, challenge) = OAuthTestClient.Pkce();

        var allowToken = FormToken(await (await oauth.AuthorizeAsync(clientId, RedirectUri, challenge, state: "a")).Content.ReadAsStringAsync());
        using var allowed = await PostDecisionAsync(allowToken, "allow");
        using var again = await PostDecisionAsync(allowToken, "allow");
        var denyToken = FormToken(await (await oauth.AuthorizeAsync(clientId, RedirectUri, challenge, state: "d")).Content.ReadAsStringAsync());
        using var denied = await PostDecisionAsync(denyToken, "deny");
        using var forged = await PostDecisionAsync("made-up-token", "allow");

        var approval = OAuthTestClient.Redirected(allowed);
        approval["state"].Should().Be("a");
        (await oauth.ExchangeAsync(clientId, approval["code"], RedirectUri, verifier)).StatusCode.Should().Be(HttpStatusCode.OK);
        again.StatusCode.Should().Be(HttpStatusCode.BadRequest, "a consent form decides once");
        OAuthTestClient.Redirected(denied).Should().Contain(new KeyValuePair<string, string>("error", "access_denied")).And.Contain(new KeyValuePair<string, string>("state", "d"));
        forged.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        forged.Headers.Location.Should().BeNull();
    }

    [Fact]
    public async Task A_metadata_document_client_is_shown_with_the_host_that_serves_its_document()
    {
        string? document = null;
        await using var documents = await LocalServer.StartUpstreamAsync(app => app.MapGet("/client.json", () => Results.Text(document!, "application/json")));
        var clientId = new Uri(documents.BaseAddress, "/client.json").ToString();
        document = JsonSerializer.Serialize(new { client_id = clientId, client_name = "Document client", redirect_uris = new[] { RedirectUri } });
        var (_, challenge) = OAuthTestClient.Pkce();

        using var response = await oauth.AuthorizeAsync(clientId, RedirectUri, challenge);
        var html = await response.Content.ReadAsStringAsync();

        response.StatusCode.Should().Be(HttpStatusCode.OK, html);
        html.Should().Contain("Document client").And.Contain($"127.0.0.1:{documents.BaseAddress.Port} (client metadata document)");
    }

    [ToolFact("chromium", "chromedriver")]
    public async Task In_a_real_browser_the_developer_reads_the_client_and_scopes_clicks_allow_and_lands_on_the_loopback_redirect_with_a_code()
    {
        var clientId = await oauth.RegisterPublicClientAsync("Browser client", RedirectUri);
        var (verifier, challenge) = OAuthTestClient.Pkce();
        var authorizeUrl = new Uri(gateway.BaseAddress, OAuthTestClient.AuthorizePath(clientId, RedirectUri, challenge, state: "browser-state", scope: "apigw-test/mcp apigw-test/alpha"));

        using var driver = HeadlessChromium();
        driver.Navigate().GoToUrl(authorizeUrl);
        var clientName = driver.FindElement(By.Id("client-name")).Text;
        var scopes = driver.FindElement(By.Id("scopes")).Text;
        var shownClientId = driver.FindElement(By.Id("client-id")).Text;
        driver.FindElement(By.Id("allow")).Click();
        var landed = await Eventually.UntilAsync<Dictionary<string, string>?>(
            "the browser to come back to the client's loopback redirect", () => callbacks.TryPeek(out var query) ? query : null,
            query => query is not null, TimeSpan.FromSeconds(20), describe: _ => $"the browser is at {driver.Url}");

        clientName.Should().Be("Browser client");
        shownClientId.Should().Be(clientId);
        scopes.Should().Contain("apigw-test/mcp").And.Contain("mcp").And.Contain("apigw-test/alpha").And.Contain("alpha");
        landed!["state"].Should().Be("browser-state");
        new Uri(driver.Url).GetLeftPart(UriPartial.Path).Should().Be(RedirectUri);
        QueryHelpers.ParseQuery(new Uri(driver.Url).Query)["code"].ToString().Should().Be(landed["code"]);
        (await oauth.ExchangeAsync(clientId, landed["code"], RedirectUri, verifier)).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    static ChromeDriver HeadlessChromium()
    {
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(Which("chromedriver"))!, "chromedriver");
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = Which("chromium") };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage");
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    static string Which(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(folder => Path.Combine(folder, program)).FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"{program} is not on PATH; apt-get install chromium chromium-driver (.ci/setup does).");

    Task<HttpResponseMessage> PostDecisionAsync(string formToken, string decision) =>
        oauth.Http.PostAsync("/_auth/authorize", new FormUrlEncodedContent(new Dictionary<string, string> { ["form_token"] = formToken, ["decision"] = decision }));

    static string FormToken(string html) => FormTokenField().Match(html) is { Success: true } match
        ? match.Groups[1].Value
        : throw new InvalidOperationException($"The consent page has no form_token field:\n{html}");

    [GeneratedRegex("name=\"form_token\" value=\"([^\"]+)\"")]
    private static partial Regex FormTokenField();

    public async Task DisposeAsync()
    {
        oauth.Dispose();
        await callback.DisposeAsync();
        await gateway.DisposeAsync();
        services.Dispose();
    }
}
