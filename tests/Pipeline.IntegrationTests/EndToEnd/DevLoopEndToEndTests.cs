using System.Net;
using System.Net.Http.Headers;
using Pipeline.IntegrationTests.Infrastructure;
using Pipeline.IntegrationTests.Local;

namespace Pipeline.IntegrationTests.EndToEnd;

/// <summary>
/// A real <c>./build.sh Dev --service fastapi</c> on a copy of the repository: a save is served through the gateway with the
/// same auth, a save that fails a unit test is reported and never served, no request is lost meanwhile, and Ctrl-C (a real
/// SIGINT to its process group) leaves the platform as the Deploy left it, with no dev container behind.
/// </summary>
[Collection(Name)]
public sealed class DevLoopEndToEndTests : IAsyncLifetime
{
    public const string Name = "dev-loop";

    static readonly TimeSpan ServedWithin = TimeSpan.FromSeconds(60);

    IsolatedDeployment deployment = null!;
    readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public Task InitializeAsync()
    {
        if (Requires.InCi || EndToEndRequirements.WhyNoLocalPlatform() is null)
            deployment = IsolatedDeployment.Create();
        return Task.CompletedTask;
    }

    [EndToEndFact]
    public async Task A_save_is_served_through_the_gateway_a_save_failing_a_unit_test_is_not_and_Ctrl_C_leaves_the_deployed_container()
    {
        await using var dev = deployment.StartLocal("Dev", "--service", "fastapi");
        var ready = await dev.WaitForOutputAsync("watching services/fastapi", TimeSpan.FromMinutes(6));
        var deployedVersion = await deployment.ServedVersionAsync(http, "fastapi");
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await deployment.TokenAsync());
        var loop = RequestLoop.Start(new Uri(deployment.GatewayUrl, "api/fastapi/health"), clients: 2, maxRequests: 20_000,
            maxDuration: TimeSpan.FromMinutes(4), pause: TimeSpan.FromMilliseconds(20));
        await loop.WaitForSuccessesAsync(10);

        var marker = "dev-" + Guid.NewGuid().ToString("N")[..8];
        ReplaceInMain("\"health\": f\"{prefix}/health\",", $"\"health\": f\"{{prefix}}/health\", \"marker\": \"{marker}\",");
        var servedAfterGoodSave = await WaitUntilInfoHasAsync(marker);
        var afterGood = await dev.WaitForOutputAsync("served as", ServedWithin, ready);

        ReplaceInMain("Health(status=\"ok\"", "Health(status=\"not ok\"");
        var afterBad = await dev.WaitForOutputAsync("tests FAILING", ServedWithin, await dev.WaitForOutputAsync("unit tests failed", ServedWithin, afterGood));
        using var health = await http.GetAsync(new Uri(deployment.GatewayUrl, "api/fastapi/health"));
        var healthBody = await health.Content.ReadAsStringAsync();
        var infoAfterBadSave = await InfoAsync();

        await loop.WaitForSuccessesAsync(loop.Successes + 10);
        var stopped = await dev.StopAsync("INT", TimeSpan.FromSeconds(90));
        var requests = await loop.StopAsync();
        var containers = await deployment.ContainerNamesAsync();
        var versionAfter = await deployment.ServedVersionAsync(http, "fastapi");

        servedAfterGoodSave.Should().Contain(marker);
        dev.Output[afterGood..afterBad].Should().Contain("test_health", "the failing test is named in the report");
        healthBody.Should().Contain("\"status\":\"ok\"", "the save that fails a unit test must not replace the serving version");
        infoAfterBadSave.Should().Contain(marker, "the last good save keeps serving");
        requests.Failures.Should().Be(0, requests.ToString());
        stopped.Output.Should().Contain("Dev ended: the gateway routes to the deployed containers again");
        containers.Should().Equal([$"apigw-{deployment.Environment}-fastapi"], "Ctrl-C removes every container of the session (its dev and test containers)");
        versionAfter.Should().Be(deployedVersion, "after the session the deployed container serves again");
        Directory.Exists(Path.Combine(deployment.Copy.Root, "artifacts", deployment.Environment, "dev")).Should().BeFalse("the session's snapshots go with it");
    }

    void ReplaceInMain(string from, string to)
    {
        var path = Path.Combine(deployment.Copy.ServicesDirectory, "fastapi", "app", "main.py");
        var text = File.ReadAllText(path);
        text.Should().Contain(from);
        File.WriteAllText(path, text.Replace(from, to, StringComparison.Ordinal));
    }

    async Task<string> InfoAsync()
    {
        using var response = await http.GetAsync(new Uri(deployment.GatewayUrl, "api/fastapi/"));
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        return body;
    }

    async Task<string> WaitUntilInfoHasAsync(string text)
    {
        var deadline = DateTime.UtcNow + ServedWithin;
        string body;
        do
        {
            body = await InfoAsync();
            if (body.Contains(text, StringComparison.Ordinal))
                return body;
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
        while (DateTime.UtcNow < deadline);
        return body;
    }

    public Task DisposeAsync() => deployment is null ? Task.CompletedTask : deployment.DisposeAsync().AsTask();
}
