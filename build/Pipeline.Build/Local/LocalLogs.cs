using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Local;

/// <summary>
/// <c>Logs</c> on the local platform: the lines of the services' containers (every container of a service: the serving one,
/// one starting or draining beside it, a Dev session's) and of the gateway's log file, merged in time order, optionally only
/// those of one request (<see cref="LogQuery.RequestId"/>); with <c>follow</c>, new lines from all of them until cancelled.
/// A container's lines go with the container: those of a version a redeploy replaced are gone (the README says so).
/// </summary>
public sealed class LocalLogs(IDockerClient docker, LocalGateway gateway, LocalPlatformNaming? naming = null)
{
    /// <summary>How often <c>--follow</c> looks for new lines: a person reading along, not a wait for a condition.</summary>
    static readonly TimeSpan FollowInterval = TimeSpan.FromSeconds(1);

    readonly LocalPlatformNaming naming = naming ?? LocalPlatformNaming.Default;

    public async Task ShowAsync(LogQuery query, ServiceCatalog catalog, TextWriter output, TextWriter notes, CancellationToken cancellationToken)
    {
        var services = query.ServicesOf(catalog);
        var since = query.Since is null ? (DateTimeOffset?)null : query.StartTime(DateTimeOffset.UtcNow);
        var containers = await ContainersOfAsync(services, cancellationToken);
        if (containers.Count == 0 && !query.IncludesGateway)
            throw new PipelineException(
                $"Service '{services[0].Name}' has no local container ({naming.ContainerName(services[0].Name)}). Start it with ./build.sh Deploy, then ask for its logs again.");

        var gatewayLog = new GatewayLogFile(gateway.LogPath);
        // The engine's time of the last line read from each container: the next read asks for what came after it. The engine's
        // time, not the line's own: a request line is stamped with when its request began, before lines written earlier.
        var lastRead = new Dictionary<string, DateTimeOffset>();
        async Task<IReadOnlyList<LogLine>> ReadNewAsync(IEnumerable<ContainerListResponse> of, int? tail)
        {
            var lines = new List<LogLine>();
            foreach (var container in of)
            {
                var seen = lastRead.TryGetValue(container.ID, out var after);
                var read = (await ReadContainerAsync(container, seen ? after : since, seen ? null : tail, cancellationToken))
                    .Where(r => !seen || r.Received > after).ToList();
                if (read.Count > 0)
                    lastRead[container.ID] = read.Max(r => r.Received);
                lines.AddRange(read.Select(r => r.Line));
            }
            if (query.IncludesGateway)
                lines.AddRange(gatewayLog.ReadNew(since));
            return LogLineOutput.InTimeOrder(lines.Where(l => Matches(l, query)));
        }

        var shown = await ReadNewAsync(containers, query.RequestId is null ? query.Tail : null);
        if (query.RequestId is null)
            shown = shown.TakeLast(query.Tail).ToList();
        foreach (var line in shown)
            LogLineOutput.Write(output, line, query.Format);
        if (shown.Count == 0 && query.RequestId is { } id)
            notes.WriteLine($"warning: no line of request {id} in {Sources(services, query)}{(since is { } s ? $" since {s.ToLocalTime():HH:mm:ss}" : "")}. " +
                     "A container's lines go with it: a request served by a version a redeploy has since replaced left none here. " +
                     "Check the id against the apigw-requestid (or X-Request-Id) header of the response.");

        while (query.Follow && !cancellationToken.IsCancellationRequested)
        {
            await output.FlushAsync(cancellationToken);
            try
            {
                await Task.Delay(FollowInterval, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            // Listed again each time: a rollout or a Dev session starts containers while Logs follows.
            foreach (var line in await ReadNewAsync(await ContainersOfAsync(services, cancellationToken), tail: null))
                LogLineOutput.Write(output, line, query.Format);
        }
    }

    static bool Matches(LogLine line, LogQuery query) => query.RequestId is not { } id || line.RequestId == id;

    string Sources(IReadOnlyList<ServiceManifest> services, LogQuery query) =>
        string.Join(", ", services.Select(s => $"the containers of {s.Name}")) + (query.IncludesGateway ? $" and the gateway's log ({gateway.LogPath})" : "");

    async Task<IList<ContainerListResponse>> ContainersOfAsync(IReadOnlyList<ServiceManifest> services, CancellationToken cancellationToken)
    {
        var all = await docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [naming.PlatformFilter] = true },
            },
        }, cancellationToken);
        var names = services.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        return all.Where(c => c.Labels?.TryGetValue(LocalPlatformNaming.ServiceLabel, out var service) == true && names.Contains(service)).ToList();
    }

    /// <summary>A container's lines under a name a person tells apart: <c>fastapi</c> for the serving one, <c>fastapi-next</c>, <c>fastapi-dev-3</c>.</summary>
    string SourceOf(ContainerListResponse container)
    {
        var name = container.Names?.FirstOrDefault()?.TrimStart('/') ?? container.ID[..12];
        return name.StartsWith(naming.NamePrefix + "-", StringComparison.Ordinal) ? name[(naming.NamePrefix.Length + 1)..] : name;
    }

    /// <summary>The container's lines, each with the engine's time of it.</summary>
    async Task<IReadOnlyList<(DateTimeOffset Received, LogLine Line)>> ReadContainerAsync(ContainerListResponse container, DateTimeOffset? since, int? tail, CancellationToken cancellationToken)
    {
        var parameters = new ContainerLogsParameters
        {
            ShowStdout = true,
            ShowStderr = true,
            Timestamps = true,
            Tail = tail?.ToString(CultureInfo.InvariantCulture) ?? "all",
            Since = since?.ToUnixTimeMilliseconds() is { } ms ? (ms / 1000.0).ToString("0.000", CultureInfo.InvariantCulture) : null,
        };
        IReadOnlyList<string> text;
        try
        {
            text = await ContainerLogTail.ReadLinesAsync(docker, container.ID, parameters, cancellationToken);
        }
        catch (DockerContainerNotFoundException)
        {
            // Removed between the listing and the read (a replacement finished): it has no lines any more.
            return [];
        }
        var source = SourceOf(container);
        return text.Select(line => Parse(source, line)).ToList();
    }

    /// <summary>A line as the engine gives it with timestamps: <c>2026-12-07T01:02:03.123456789Z message</c>.</summary>
    internal static (DateTimeOffset Received, LogLine Line) Parse(string source, string line)
    {
        var space = line.IndexOf(' ');
        var stamp = space > 0 ? line[..space] : line;
        var message = space > 0 ? line[(space + 1)..] : "";
        var received = ParseEngineTime(stamp) ?? DateTimeOffset.UtcNow;
        return (received, LogLine.Received(received, source, message));
    }

    /// <summary>RFC 3339 with up to nanoseconds; .NET reads up to seven fractional digits.</summary>
    static DateTimeOffset? ParseEngineTime(string stamp)
    {
        var dot = stamp.IndexOf('.');
        var zone = stamp.IndexOfAny(['Z', '+'], Math.Max(dot, 0));
        if (dot > 0 && zone > dot + 8)
            stamp = stamp[..(dot + 8)] + stamp[zone..];
        return DateTimeOffset.TryParse(stamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;
    }
}

/// <summary>
/// The gateway's log file (its stdout: access log and events, JSON lines), read from where the last read ended, so
/// <c>--follow</c> gets only what was added. A line without a time of its own takes the one before it; a last line without
/// its newline yet is left for the next read.
/// </summary>
sealed class GatewayLogFile(string path)
{
    public const string Source = "gateway";

    long offset;
    DateTimeOffset lastTime = DateTimeOffset.MinValue;

    public IReadOnlyList<LogLine> ReadNew(DateTimeOffset? since)
    {
        if (!File.Exists(path))
            return [];
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (file.Length < offset)
            offset = 0; // replaced by a new file
        file.Seek(offset, SeekOrigin.Begin);
        var lines = new List<LogLine>();
        var pending = new List<byte>();
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = file.Read(buffer, 0, buffer.Length)) > 0)
        {
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] != (byte)'\n')
                {
                    pending.Add(buffer[i]);
                    continue;
                }
                offset += pending.Count + 1;
                Add(System.Text.Encoding.UTF8.GetString([.. pending]).TrimEnd('\r'), since, lines);
                pending.Clear();
            }
        }
        return lines;
    }

    void Add(string text, DateTimeOffset? since, List<LogLine> lines)
    {
        if (text.Length == 0)
            return;
        var line = LogLine.Received(lastTime, Source, text);
        lastTime = line.Time;
        if (since is null || lastTime >= since)
            lines.Add(line);
    }
}
