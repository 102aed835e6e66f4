using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Web;
using Pipeline.Build.Local;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.Local;

/// <summary>
/// The pipeline's gateway process and its issuer: <c>--local-auth-auto-approve</c> reaches the gateway (a setting that
/// differs replaces it), and clients registered with one gateway are known to its replacement.
/// </summary>
[Collection(LocalPlatformCollection.Name)]
public sealed class LocalGatewayAuthTests(LocalPlatformFixture fixture) : IAsyncLifetime
{
    const string Redirect = "http://127.0.0.1:1234/callback";
    readonly RecordingStepLog log = new();
    readonly HttpClient http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };

    public Task InitializeAsync() => Task.CompletedTask;

    [LocalDockerFact]
    public async Task Auto_approval_replaces_the_gateway_with_one_that_redirects_loopback_requests_at_once_and_keeps_the_registered_clients()
    {
        using var services = new TestServicesFolder(("web", [], new Dictionary<string, string>()));
        var port = TestServicesFolder.FreePort();
        var gatewayUrl = new Uri($"http://127.0.0.1:{port}");

        await new LocalGateway(RepositoryRoot.Find(), fixture.ArtifactsDirectory).EnsureRunningAsync(services.Path, port, false, log, default);
        var first = LocalGatewayRecord.Read(fixture.Gateway.RecordPath)!;
        using var registration = await http.PostAsJsonAsync(new Uri(gatewayUrl, "/_auth/register"), new
        {
            client_name = "registered before the replacement", redirect_uris = new[] { Redirect }, token_endpoint_auth_method = "none",
        });
        var clientId = JsonDocument.Parse(await registration.Content.ReadAsStringAsync()).RootElement.GetProperty("client_id").GetString()!;
        using var withPage = await http.GetAsync(AuthorizeUrl(gatewayUrl, clientId));

        await new LocalGateway(RepositoryRoot.Find(), fixture.ArtifactsDirectory) { AutoApprove = true }
            .EnsureRunningAsync(services.Path, port, false, log, default);
        var second = LocalGatewayRecord.Read(fixture.Gateway.RecordPath)!;
        using var approved = await http.GetAsync(AuthorizeUrl(gatewayUrl, clientId));

        registration.StatusCode.Should().Be(HttpStatusCode.Created);
        first.AutoApprove.Should().BeFalse();
        withPage.StatusCode.Should().Be(HttpStatusCode.OK, "without the option the developer approves on the consent page");
        second.AutoApprove.Should().BeTrue();
        second.ProcessId.Should().NotBe(first.ProcessId, "a gateway whose approval setting differs is replaced");
        approved.StatusCode.Should().Be(HttpStatusCode.Redirect, await approved.Content.ReadAsStringAsync());
        HttpUtility.ParseQueryString(approved.Headers.Location!.Query)["code"].Should().NotBeNullOrEmpty();
        File.Exists(Path.Combine(fixture.ArtifactsDirectory, LocalIssuerCredentials.StateFileName)).Should().BeTrue();
    }

    static Uri AuthorizeUrl(Uri gateway, string clientId)
    {
        var challenge = Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(new string('v', 43)))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var query = new Dictionary<string, string>
        {
            ["response_type"] = "code", ["client_id"] = clientId, ["redirect_uri"] = Redirect, ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256", ["state"] = "s",
        };
        return new Uri(gateway, "/_auth/authorize?" + string.Join("&", query.Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}")));
    }

    public async Task DisposeAsync()
    {
        http.Dispose();
        await fixture.DownAsync();
    }
}
