using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Local;

/// <summary>
/// The running local gateway as the service runner uses it: the stable address a calling service reaches another one at,
/// and the gateway's admin endpoint (build/Pipeline.Gateway/GatewayAdmin.cs) that switches a service's route to a new
/// container and reports how busy the old one still is. The endpoint's token is read from the gateway record
/// (<see cref="LocalGatewayRecord.AdminToken"/>) on each use and is never logged.
/// </summary>
public sealed class LocalGatewayRoutes(LocalGateway gateway, int port)
{
    /// <summary>The gateway's internal route prefix (GatewayRouteTable.InternalPrefix in build/Pipeline.Gateway).</summary>
    public const string InternalPrefix = "/_internal";

    /// <summary>The gateway's admin routes path (GatewayAdmin.RoutesPath in build/Pipeline.Gateway).</summary>
    public const string AdminRoutesPath = "/_gateway/routes";

    static readonly HttpClient Client = new(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromSeconds(30) })
    {
        Timeout = TimeSpan.FromSeconds(15),
    };

    public int Port => port;

    /// <summary>The audience of the environment's tokens, which every container is told (<c>AUTH_AUDIENCE</c>).</summary>
    public string Audience => gateway.Audience;

    /// <summary>The environment the gateway serves: it names each service's scope, which every container is told (<c>AUTH_SCOPE</c>).</summary>
    public string Environment => gateway.Environment;

    /// <summary>
    /// Where a service that uses <paramref name="service"/> calls it: the gateway's internal route, like the private load
    /// balancer on AWS. It stays the same while the service moves between ports, and the gateway counts these calls when
    /// it drains a replaced container.
    /// </summary>
    public static Uri InternalUrl(int gatewayPort, string service) => new($"http://127.0.0.1:{gatewayPort}{InternalPrefix}/{service}");

    public Uri InternalUrl(string service) => InternalUrl(port, service);

    /// <summary>The gateway that runs on this port now, or null when none does.</summary>
    public LocalGatewayRecord? Running()
    {
        var record = LocalGatewayRecord.Read(gateway.RecordPath);
        return record is not null && record.Port == port && record.IsProcessAlive() ? record : null;
    }

    /// <summary>The running gateway if it has an admin endpoint (every gateway this pipeline starts has one), else null.</summary>
    LocalGatewayRecord? WithAdmin()
    {
        var record = Running();
        if (record?.AdminToken is not { Length: > 0 } token)
            return null;
        SecretMasker.Register(token);
        return record;
    }

    /// <summary>
    /// The running gateway if it can switch routes; null when no gateway runs (nothing routes, nothing to switch).
    /// A gateway started before route switching existed cannot be switched: a replacement would leave it routing to a stopped container.
    /// </summary>
    public LocalGatewayRecord? Switchable()
    {
        var record = Running();
        if (record is not null && string.IsNullOrEmpty(record.AdminToken))
            throw new PipelineException(
                $"The local gateway (pid {record.ProcessId} on {record.Url}) was started by an older pipeline and cannot switch a service to a new container. " +
                "Run ./build.sh Deploy once (it replaces the gateway), then redeploy.");
        if (record?.AdminToken is { } token)
            SecretMasker.Register(token);
        return record;
    }

    /// <summary>Each service's upstream as the gateway routes it now, or null when no gateway (with an admin endpoint) runs.</summary>
    public async Task<IReadOnlyDictionary<string, Uri>?> ReadRoutesAsync(CancellationToken cancellationToken)
    {
        var body = await ReadAdminAsync(cancellationToken);
        return body?.GetProperty("routes").EnumerateArray().ToDictionary(
            r => r.GetProperty("service").GetString()!,
            r => new Uri(r.GetProperty("upstream").GetString()!));
    }

    /// <summary>How busy <paramref name="upstream"/> is according to the gateway, or null when no gateway runs.</summary>
    public async Task<UpstreamLoad?> LoadOfAsync(Uri upstream, CancellationToken cancellationToken)
    {
        var body = await ReadAdminAsync(cancellationToken);
        if (body is not { } routes)
            return null;
        foreach (var entry in routes.GetProperty("upstreams").EnumerateArray())
            if (Uri.TryCreate(entry.GetProperty("address").GetString(), UriKind.Absolute, out var address) && address == upstream)
                return new UpstreamLoad(entry.GetProperty("inFlight").GetInt32(), TimeSpan.FromMilliseconds(entry.GetProperty("idleMilliseconds").GetInt64()));
        return new UpstreamLoad(0, TimeSpan.MaxValue);
    }

    /// <summary>Routes <paramref name="service"/> to <paramref name="upstream"/>; returns the upstream it had, or null when no gateway runs.</summary>
    public async Task<Uri?> SwitchAsync(string service, Uri upstream, CancellationToken cancellationToken)
    {
        if (Switchable() is not { } record)
            return null;
        var body = await SendAdminAsync(record, HttpMethod.Put, $"{AdminRoutesPath}/{Uri.EscapeDataString(service)}", new { upstream = upstream.ToString() },
            $"route '{service}' to {upstream}", cancellationToken);
        return new Uri(body.GetProperty("previous").GetString()!);
    }

    /// <summary>Sends <paramref name="percent"/> of <paramref name="service"/>'s requests to <paramref name="upstream"/> (the new version).</summary>
    public async Task<ShiftState> ShiftAsync(string service, Uri upstream, double percent, CancellationToken cancellationToken)
    {
        var record = Switchable() ?? throw new PipelineException(
            $"No local gateway runs on port {port}, so nothing can send {percent} % of '{service}' to {upstream}. Run ./build.sh Deploy first.");
        try
        {
            var body = await SendAdminAsync(record, HttpMethod.Put, ShiftPath(service), new { upstream = upstream.ToString(), percent },
                $"shift {percent} % of '{service}' to {upstream}", cancellationToken);
            return ShiftState.From(body.GetProperty("shift"));
        }
        catch (PipelineException refused) when (refused.Message.Contains("(404: ", StringComparison.Ordinal) && refused.Message.Contains("no route", StringComparison.Ordinal))
        {
            throw new PipelineException(
                $"The local gateway (pid {record.ProcessId} on {record.Url}) was started by an older pipeline and cannot split a service's traffic " +
                $"between two versions. Run ./build.sh Deploy once (it replaces the gateway without dropping a request), then redeploy; " +
                $"or redeploy with --strategy rolling.");
        }
    }

    /// <summary>The shift of <paramref name="service"/> as the gateway judges it now, or null when there is none (or no gateway).</summary>
    public async Task<ShiftState?> ReadShiftAsync(string service, CancellationToken cancellationToken) =>
        (await ReadShiftsAsync(cancellationToken)).GetValueOrDefault(service);

    /// <summary>Every service's shift as the gateway judges it now, by service, from one request; empty when none runs (or no gateway).</summary>
    public async Task<IReadOnlyDictionary<string, ShiftState>> ReadShiftsAsync(CancellationToken cancellationToken)
    {
        var shifts = new Dictionary<string, ShiftState>();
        if (await ReadAdminAsync(cancellationToken) is not { } routes)
            return shifts;
        foreach (var route in routes.GetProperty("routes").EnumerateArray())
            if (route.TryGetProperty("shift", out var shift) && shift.ValueKind == JsonValueKind.Object)
                shifts[route.GetProperty("service").GetString()!] = ShiftState.From(shift);
        return shifts;
    }

    /// <summary>Ends <paramref name="service"/>'s shift (all traffic on its upstream again); returns its last figures, or null when there was none.</summary>
    public async Task<ShiftState?> EndShiftAsync(string service, CancellationToken cancellationToken)
    {
        // An older gateway without an admin endpoint can have no shift either.
        if (WithAdmin() is not { } record)
            return null;
        var body = await SendAdminAsync(record, HttpMethod.Delete, ShiftPath(service), null, $"end the traffic shift of '{service}'", cancellationToken);
        return body.TryGetProperty("ended", out var ended) && ended.ValueKind == JsonValueKind.Object ? ShiftState.From(ended) : null;
    }

    /// <summary>Stops <paramref name="service"/>'s shift as the gateway's judge would: the new version gets no more requests. Returns its figures.</summary>
    public async Task<ShiftState> StopShiftAsync(string service, string reason, CancellationToken cancellationToken)
    {
        var record = Switchable() ?? throw new PipelineException($"No local gateway runs on port {port}, so no rollout of '{service}' is under way to stop.");
        var body = await SendAdminAsync(record, HttpMethod.Post, ShiftPath(service) + "/stop", new { reason }, $"stop the traffic shift of '{service}'", cancellationToken);
        return ShiftState.From(body.GetProperty("shift"));
    }

    /// <summary>The gateway's path of each service's figures of the last 15 minutes (GatewayAdmin.TrafficPath in build/Pipeline.Gateway).</summary>
    public const string AdminTrafficPath = "/_gateway/traffic";

    /// <summary>
    /// Each service's requests, 4xx, 5xx and latency through its public routes over the last 15 minutes, as the gateway counted
    /// them (every service of <paramref name="services"/> appears, with zeros when it had no request); null without a gateway
    /// that has an admin endpoint, or one too old to count.
    /// </summary>
    public async Task<IReadOnlyList<ServiceTraffic>?> ReadTrafficAsync(IEnumerable<string> services, CancellationToken cancellationToken)
    {
        if (WithAdmin() is not { } record)
            return null;
        // A gateway started by a pipeline before the counters has no such path.
        if (await SendAdminOrNullAsync(record, HttpMethod.Get, AdminTrafficPath, null, "report its traffic figures", cancellationToken, missingIsNull: true) is not { } body)
            return null;
        var counted = body.GetProperty("services").EnumerateArray().ToDictionary(
            s => s.GetProperty("service").GetString()!,
            s => new ServiceTraffic(
                s.GetProperty("service").GetString()!, s.GetProperty("requests").GetInt64(), s.GetProperty("clientErrors").GetInt64(),
                s.GetProperty("serverErrors").GetInt64(), NumberOrNull(s.GetProperty("p50Milliseconds")), NumberOrNull(s.GetProperty("p99Milliseconds"))));
        return services.Select(name => counted.GetValueOrDefault(name) ?? new ServiceTraffic(name, 0, 0, 0, null, null)).ToList();
    }

    static double? NumberOrNull(JsonElement value) => value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    static string ShiftPath(string service) => $"{AdminRoutesPath}/{Uri.EscapeDataString(service)}/shift";

    async Task<JsonElement> SendAdminAsync(LocalGatewayRecord record, HttpMethod method, string path, object? content, string what, CancellationToken cancellationToken) =>
        (await SendAdminOrNullAsync(record, method, path, content, what, cancellationToken, missingIsNull: false))!.Value;

    /// <summary>The admin endpoint's answer; with <paramref name="missingIsNull"/>, null when the gateway has no such path (404).</summary>
    async Task<JsonElement?> SendAdminOrNullAsync(
        LocalGatewayRecord record, HttpMethod method, string path, object? content, string what, CancellationToken cancellationToken, bool missingIsNull)
    {
        using var request = Request(method, record, path);
        if (content is not null)
            request.Content = JsonContent.Create(content);
        using var response = await Client.SendAsync(request, cancellationToken);
        if (missingIsNull && response.StatusCode == System.Net.HttpStatusCode.NotFound)
            return null;
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new PipelineException(
                $"The local gateway refused to {what} ({(int)response.StatusCode}: {SecretMasker.Apply(text)}). See its log: {gateway.LogPath}.");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    async Task<JsonElement?> ReadAdminAsync(CancellationToken cancellationToken) =>
        WithAdmin() is { } record ? await SendAdminAsync(record, HttpMethod.Get, AdminRoutesPath, null, "list its routes", cancellationToken) : null;

    static HttpRequestMessage Request(HttpMethod method, LocalGatewayRecord record, string path)
    {
        var request = new HttpRequestMessage(method, new Uri(record.Url, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", record.AdminToken);
        return request;
    }
}

/// <summary>
/// A traffic shift as the gateway reports it: the new version's share, its requests and 5xx, its p95 latency, the previous
/// version's requests and 5xx over the same time, and the judge's verdict (null while the new version passes).
/// </summary>
public sealed record ShiftState(Uri Upstream, double Percent, long Requests, long Failures, double P95Milliseconds,
    long PreviousRequests, long PreviousFailures, string? Verdict)
{
    public static ShiftState From(JsonElement shift) => new(
        new Uri(shift.GetProperty("upstream").GetString()!),
        shift.GetProperty("percent").GetDouble(),
        shift.GetProperty("requests").GetInt64(),
        shift.GetProperty("failures").GetInt64(),
        shift.GetProperty("p95Milliseconds").GetDouble(),
        shift.GetProperty("previousRequests").GetInt64(),
        shift.GetProperty("previousFailures").GetInt64(),
        shift.TryGetProperty("verdict", out var verdict) && verdict.ValueKind == JsonValueKind.String ? verdict.GetString() : null);

    public long AllRequests => Requests + PreviousRequests;
}

/// <summary>Requests the gateway has in flight to one upstream, and how long since it last started or finished one.</summary>
public sealed record UpstreamLoad(int InFlight, TimeSpan Idle);
