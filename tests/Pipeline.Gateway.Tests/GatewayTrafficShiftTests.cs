using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Pipeline.Manifests;

namespace Pipeline.Gateway.Tests;

/// <summary>
/// A weighted split between the serving version and a new one, judged on the new version's own answers: the local twin of
/// ECS's production listener rule with two target groups and alarms on the new one.
/// </summary>
public sealed class GatewayTrafficShiftTests : IAsyncLifetime
{
    const string Token = "test-admin-token-0123456789";
    readonly ServicesFolder services = new("alpha", "beta");
    readonly HttpClient admin = new() { Timeout = TimeSpan.FromSeconds(20) };
    HttpClient api = null!;
    LocalServer blue = null!;
    LocalServer green = null!;
    LocalServer flaky = null!;
    LocalServer gateway = null!;
    int flakyCalls;

    public async Task InitializeAsync()
    {
        blue = await LocalServer.StartUpstreamAsync(app => app.Map("{**any}", () => Results.Text("blue")));
        green = await LocalServer.StartUpstreamAsync(app => app.Map("{**any}", () => Results.Text("green")));
        // Fails one request in five, as a release with a bug on one path would.
        flaky = await LocalServer.StartUpstreamAsync(app => app.Map("{**any}", () =>
            Interlocked.Increment(ref flakyCalls) % 5 == 0 ? Results.Problem("bug", statusCode: 500) : Results.Text("flaky")));
        gateway = await LocalServer.StartGatewayAsync(services.Path, new Dictionary<string, Uri> { ["alpha"] = blue.BaseAddress }, adminToken: Token);
        admin.BaseAddress = gateway.BaseAddress;
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        api = await TestIssuer.AuthorizedClientAsync(gateway.BaseAddress, TimeSpan.FromSeconds(20));
    }

    public async Task DisposeAsync()
    {
        api.Dispose();
        admin.Dispose();
        await gateway.DisposeAsync();
        await blue.DisposeAsync();
        await green.DisposeAsync();
        await flaky.DisposeAsync();
        services.Dispose();
    }

    string ShiftPath(string service) => $"{GatewayAdmin.RoutesPath}/{service}/shift";

    async Task<HttpResponseMessage> ShiftAsync(string service, Uri upstream, double percent) =>
        await admin.PutAsJsonAsync(ShiftPath(service), new { upstream = upstream.ToString(), percent });

    async Task<JsonElement?> ShiftStateAsync(string service)
    {
        var routes = JsonDocument.Parse(await admin.GetStringAsync(GatewayAdmin.RoutesPath)).RootElement;
        var shift = routes.GetProperty("routes").EnumerateArray().Single(r => r.GetProperty("service").GetString() == service).GetProperty("shift");
        return shift.ValueKind == JsonValueKind.Object ? shift : null;
    }

    async Task<Dictionary<string, int>> CallAsync(int count)
    {
        var answers = new Dictionary<string, int>();
        for (var i = 0; i < count; i++)
        {
            using var response = await api.GetAsync("/api/alpha/anything");
            var key = response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : ((int)response.StatusCode).ToString();
            answers[key] = answers.GetValueOrDefault(key) + 1;
        }
        return answers;
    }

    [Fact]
    public async Task A_shift_sends_its_share_of_requests_to_the_new_version_and_counts_both()
    {
        (await ShiftAsync("alpha", green.BaseAddress, 30)).StatusCode.Should().Be(HttpStatusCode.OK);

        var answers = await CallAsync(400);

        answers.Keys.Should().BeEquivalentTo("blue", "green");
        answers["green"].Should().BeInRange(80, 160, "30 % of 400 is 120");
        var state = (await ShiftStateAsync("alpha"))!.Value;
        state.GetProperty("requests").GetInt64().Should().Be(answers["green"]);
        state.GetProperty("previousRequests").GetInt64().Should().Be(answers["blue"]);
        state.GetProperty("failures").GetInt64().Should().Be(0);
        state.GetProperty("verdict").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public async Task Raising_the_share_to_100_keeps_the_judge_and_ending_the_shift_sends_everything_back()
    {
        await ShiftAsync("alpha", green.BaseAddress, 10);
        await CallAsync(20);
        (await ShiftAsync("alpha", green.BaseAddress, 100)).StatusCode.Should().Be(HttpStatusCode.OK);

        (await CallAsync(30)).Should().BeEquivalentTo(new Dictionary<string, int> { ["green"] = 30 });
        (await ShiftStateAsync("alpha"))!.Value.GetProperty("requests").GetInt64().Should().BeGreaterThanOrEqualTo(30, "the same judge counts every step");

        (await admin.DeleteAsync(ShiftPath("alpha"))).StatusCode.Should().Be(HttpStatusCode.OK);
        (await CallAsync(20)).Should().BeEquivalentTo(new Dictionary<string, int> { ["blue"] = 20 });
        (await ShiftStateAsync("alpha")).Should().BeNull();
    }

    [Fact]
    public async Task A_new_version_that_fails_one_request_in_five_is_stopped_and_then_gets_no_request()
    {
        await ShiftAsync("alpha", flaky.BaseAddress, 50);

        await CallAsync(200);

        var state = (await ShiftStateAsync("alpha"))!.Value;
        state.GetProperty("verdict").GetString().Should().Contain("fail with 5xx");
        state.GetProperty("effectivePercent").GetDouble().Should().Be(0);
        var failures = state.GetProperty("failures").GetInt64();
        failures.Should().BeInRange(RolloutThresholds.MinimumFailures, RolloutThresholds.MinimumFailures, "the judge stops at the first failure that crosses the threshold");
        var callsAtVerdict = Volatile.Read(ref flakyCalls);
        (await CallAsync(50)).Should().BeEquivalentTo(new Dictionary<string, int> { ["blue"] = 50 });
        Volatile.Read(ref flakyCalls).Should().Be(callsAtVerdict);
    }

    [Fact]
    public async Task A_stop_on_request_sends_everything_back_at_once()
    {
        await ShiftAsync("alpha", green.BaseAddress, 100);
        using var stop = await admin.PostAsJsonAsync(ShiftPath("alpha") + "/stop", new { reason = "was rolled back on request" });
        stop.StatusCode.Should().Be(HttpStatusCode.OK);

        (await CallAsync(20)).Should().BeEquivalentTo(new Dictionary<string, int> { ["blue"] = 20 });
        (await ShiftStateAsync("alpha"))!.Value.GetProperty("verdict").GetString().Should().Be("was rolled back on request");
    }

    [Fact]
    public async Task A_full_switch_ends_the_shift_and_the_new_version_serves_alone()
    {
        await ShiftAsync("alpha", green.BaseAddress, 100);
        (await admin.PutAsJsonAsync($"{GatewayAdmin.RoutesPath}/alpha", new { upstream = green.BaseAddress.ToString() })).StatusCode.Should().Be(HttpStatusCode.OK);

        (await ShiftStateAsync("alpha")).Should().BeNull();
        (await CallAsync(20)).Should().BeEquivalentTo(new Dictionary<string, int> { ["green"] = 20 });
    }

    [Theory]
    [InlineData("alpha", "http://127.0.0.1:1/", 101, HttpStatusCode.BadRequest)]
    [InlineData("alpha", "http://10.0.0.1:80/", 10, HttpStatusCode.BadRequest)]
    [InlineData("gamma", "http://127.0.0.1:1/", 10, HttpStatusCode.NotFound)]
    public async Task A_bad_shift_is_refused_and_changes_nothing(string service, string upstream, double percent, HttpStatusCode expected)
    {
        using var response = await ShiftAsync(service, new Uri(upstream), percent);

        response.StatusCode.Should().Be(expected, await response.Content.ReadAsStringAsync());
        (await ShiftStateAsync("alpha")).Should().BeNull();
    }

    [Fact]
    public async Task A_shift_to_the_upstream_that_already_serves_is_refused()
    {
        using var response = await ShiftAsync("alpha", blue.BaseAddress, 10);

        response.StatusCode.Should().Be(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task A_shift_needs_the_admin_token()
    {
        using var anonymous = new HttpClient { BaseAddress = gateway.BaseAddress };
        using var response = await anonymous.PutAsJsonAsync(ShiftPath("alpha"), new { upstream = green.BaseAddress.ToString(), percent = 50 });

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await ShiftStateAsync("alpha")).Should().BeNull();
    }
}

public sealed class ShiftJudgeTests
{
    [Fact]
    public void One_failure_is_not_enough_however_few_the_requests()
    {
        var judge = new ShiftJudge();
        judge.Record(true, 502, TimeSpan.FromMilliseconds(5));

        judge.Verdict.Should().BeNull();
    }

    [Fact]
    public void The_second_failure_above_five_percent_stops_the_shift()
    {
        var judge = new ShiftJudge();
        for (var i = 0; i < 20; i++)
            judge.Record(true, i % 7 == 0 ? 500 : 200, TimeSpan.FromMilliseconds(5));

        judge.Verdict.Should().Be("had 2 of its 8 requests fail with 5xx (25 % > 5 %)");
    }

    [Fact]
    public void Failures_of_the_previous_version_do_not_count_against_the_new_one()
    {
        var judge = new ShiftJudge();
        for (var i = 0; i < 50; i++)
            judge.Record(false, 500, TimeSpan.FromMilliseconds(5));
        judge.Record(true, 200, TimeSpan.FromMilliseconds(5));

        judge.Verdict.Should().BeNull();
        judge.Read().PreviousFailures.Should().Be(50);
    }

    [Fact]
    public void A_slow_new_version_is_stopped_on_its_p95_once_there_are_enough_samples()
    {
        var judge = new ShiftJudge();
        for (var i = 0; i < RolloutThresholds.MinimumLatencySamples - 1; i++)
            judge.Record(true, 200, TimeSpan.FromSeconds(3));
        judge.Verdict.Should().BeNull();

        judge.Record(true, 200, TimeSpan.FromSeconds(3));

        judge.Verdict.Should().Contain("had a p95 latency of 3 s");
    }

    [Fact]
    public void Client_errors_are_not_failures()
    {
        var judge = new ShiftJudge();
        for (var i = 0; i < 30; i++)
            judge.Record(true, 401, TimeSpan.FromMilliseconds(5));

        judge.Verdict.Should().BeNull();
    }
}
