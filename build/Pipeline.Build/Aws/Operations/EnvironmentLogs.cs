using System.Diagnostics;
using System.Globalization;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws.Operations;

/// <summary>
/// <c>Logs</c> on AWS. With a request id: one CloudWatch Logs Insights query over the HTTP API's access log and the services'
/// log groups, for that request's lines in time order. Without one: the recent lines of each group (FilterLogEvents), merged in
/// time order, and with <c>--follow</c> every new line until Ctrl+C. Lines go to the output; what the user should know about
/// the answer (nothing found, a group left out, a slow query) goes to <paramref name="notes"/> (stderr).
/// </summary>
internal sealed class EnvironmentLogs(AwsContext aws, TextWriter notes)
{
    /// <summary>The most lines one Logs Insights query returns (its <c>limit</c> command's maximum).</summary>
    public const int InsightsLimit = 10_000;

    /// <summary>The source of the HTTP API's access log lines, as the local gateway's lines are named.</summary>
    public const string GatewaySource = "gateway";

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>How often a running Logs Insights query is asked for its results (doubling up to 5 s).</summary>
    public TimeSpan QueryPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long the pipeline waits for a query before stopping it (AWS stops a query itself after 60 minutes).</summary>
    public TimeSpan QueryDeadline { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often <c>--follow</c> asks each group for new lines.</summary>
    public TimeSpan FollowInterval { get; init; } = TimeSpan.FromSeconds(2);

    LogsClient Logs => logs ??= new LogsClient(aws.Connection, aws.Http);

    LogsClient? logs;

    public async Task ShowAsync(LogQuery query, TextWriter output, CancellationToken cancellation)
    {
        if (query is { RequestId: not null, Follow: true })
            // One query answers for a request that has ended; repeating Logs Insights queries every few seconds would bill a scan each time.
            throw new PipelineException(
                $"Logs --request-id {query.RequestId} --follow: on AWS a request's lines come from one Logs Insights query, which does not stream. " +
                "Leave out --follow (if the request is still running, ask again once it has ended), or follow every line with ./build.sh Logs --follow.");
        var sources = await SourcesAsync(query, cancellation);
        if (query.RequestId is { } requestId)
            await ShowRequestAsync(requestId, query, sources, output, cancellation);
        else
            await ShowRecentAsync(query, sources, output, cancellation);
    }

    /// <summary>The log groups to read: the access log when the query includes the gateway, then each service's group.</summary>
    async Task<IReadOnlyList<LogSource>> SourcesAsync(LogQuery query, CancellationToken cancellation)
    {
        var stacks = await aws.CloudFormation.DescribeAllStacksAsync(cancellation);
        if (!stacks.TryGetValue(aws.SharedStack, out var shared))
            throw new PipelineException(
                $"Environment {aws.Environment} is not deployed: stack {aws.SharedStack} does not exist. Run ./build.sh Deploy --profile <profile of {aws.Environment}>.");
        var sources = new List<LogSource>();
        if (query.IncludesGateway)
        {
            if (shared.Outputs.GetValueOrDefault(DeploymentNames.AccessLogGroupOutput) is { Length: > 0 } accessLog)
                sources.Add(new LogSource(accessLog, GatewaySource, IsGateway: true));
            else
                // An environment deployed before the output existed still has its services' lines to show.
                notes.WriteLine(
                    $"warning: stack {aws.SharedStack} has no {DeploymentNames.AccessLogGroupOutput} output (it was deployed by an earlier version of the pipeline), " +
                    $"so the gateway's access log lines are left out. Run ./build.sh Deploy --profile <profile of {aws.Environment}> to add it.");
        }
        var environment = aws.Deployed(stacks);
        foreach (var service in query.ServicesOf(aws.Settings.Catalog))
        {
            if (query.Service is null && !stacks.ContainsKey(aws.ServiceStack(service.Name)))
            {
                notes.WriteLine($"warning: {service.Name} is not deployed (no stack {aws.ServiceStack(service.Name)}): its lines are left out.");
                continue;
            }
            sources.Add(new LogSource((await environment.ServiceAsync(service, cancellation)).LogGroup, service.Name, IsGateway: false));
        }
        if (sources.Count == 0)
            throw new PipelineException($"Environment {aws.Environment} has no log group to read: no service is deployed. Run ./build.sh Deploy --profile <profile of {aws.Environment}>.");
        return sources;
    }

    async Task ShowRequestAsync(string requestId, LogQuery query, IReadOnlyList<LogSource> sources, TextWriter output, CancellationToken cancellation)
    {
        var end = Clock.GetUtcNow();
        var start = query.StartTime(end);
        var groups = sources.Select(s => s.Group).ToList();
        var queryId = await Logs.StartQueryAsync(groups, start, end, InsightsQuery(requestId), cancellation);
        InsightsQueryResults results;
        try
        {
            results = await WaitForAsync(queryId, groups.Count, cancellation);
        }
        catch (Exception e) when (e is OperationCanceledException or PollTimeoutException)
        {
            await StopAsync(queryId);
            throw;
        }
        if (results.Status != "Complete")
            throw new PipelineException(results.Status switch
            {
                "Timeout" => $"Logs Insights query {queryId} timed out in CloudWatch Logs (a query may run 60 minutes). " +
                             $"Ask for a shorter window (--since 1h) or one --service, then run Logs --request-id {requestId} again.",
                "Cancelled" => $"Logs Insights query {queryId} was cancelled in CloudWatch Logs (StopQuery, or the console). Run Logs --request-id {requestId} again.",
                _ => $"Logs Insights query {queryId} ended {results.Status}. Run Logs --request-id {requestId} again; if it fails again, " +
                     $"look at the query in the CloudWatch console (Logs Insights, History) or with aws logs get-query-results --query-id {queryId}.",
            });

        var lines = LogLineOutput.InTimeOrder(results.Rows.Select(row => LineOf(row, sources)));
        if (lines.Count == 0)
        {
            notes.WriteLine(
                $"No log lines of request {requestId} in {string.Join(", ", groups)} from {Utc(start)} to {Utc(end)}. " +
                "If the request is older, look further back with --since (e.g. --since 72h; hours are the largest unit); " +
                "if it is only seconds old, ask again in a minute: CloudWatch Logs makes new lines searchable after a short delay.");
            return;
        }
        if (results.Rows.Count >= InsightsLimit)
            notes.WriteLine($"warning: request {requestId} has more lines than one Logs Insights query returns ({InsightsLimit}): these are the first. " +
                            "Ask for a shorter window with --since, or one --service.");
        foreach (var line in lines)
            LogLineOutput.Write(output, line, query.Format);
    }

    async Task<InsightsQueryResults> WaitForAsync(string queryId, int groupCount, CancellationToken cancellation)
    {
        var sinceProgress = Stopwatch.StartNew();
        var poll = new Poll($"Logs Insights query {queryId}", QueryDeadline, QueryPollInterval)
        {
            MaxInterval = TimeSpan.FromSeconds(5),
            Continues = "the pipeline stopped it, so it scans no more",
            Command = $"aws logs get-query-results --query-id {queryId}",
            NextStep = "ask for a shorter window with --since, or one --service",
        };
        return await poll.UntilAsync(
            (_, ct) => Logs.GetQueryResultsAsync(queryId, ct),
            results => !results.IsRunning,
            results => results.Status,
            cancellation,
            announce: _ => notes.WriteLine($"Logs Insights query {queryId} is searching {groupCount} log groups (Ctrl+C stops it)..."),
            beforeEachWait: (results, _) =>
            {
                if (sinceProgress.Elapsed < TimeSpan.FromSeconds(10))
                    return;
                sinceProgress.Restart();
                notes.WriteLine($"  still {results.Status}: {results.RecordsScanned:N0} lines scanned ({Megabytes(results.BytesScanned)}).");
            });
    }

    /// <summary>Stops a query the pipeline no longer waits for; one that has ended already is left as it is.</summary>
    async Task StopAsync(string queryId)
    {
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await Logs.StopQueryAsync(queryId, stopping.Token);
            notes.WriteLine($"Stopped Logs Insights query {queryId}.");
        }
        catch (Exception e) when (e is PipelineException or OperationCanceledException)
        {
            notes.WriteLine($"warning: could not stop Logs Insights query {queryId} ({e.Message}); CloudWatch Logs ends it within 60 minutes.");
        }
    }

    async Task ShowRecentAsync(LogQuery query, IReadOnlyList<LogSource> sources, TextWriter output, CancellationToken cancellation)
    {
        var start = query.StartTime(Clock.GetUtcNow());
        // Where each group's next read begins: the window's start, then just after the last line seen.
        var next = sources.ToDictionary(s => s, _ => start);
        async Task<IReadOnlyList<LogLine>> ReadNewAsync(int limitPerGroup)
        {
            var lines = new List<LogLine>();
            foreach (var source in sources)
            {
                var events = await Logs.FilterLogEventsAsync(source.Group, next[source], null, limitPerGroup, cancellation);
                lines.AddRange(events.Select(e => LineOf(e, source)));
                if (events.Count > 0)
                    next[source] = events.Max(e => e.Timestamp).AddMilliseconds(1);
            }
            return LogLineOutput.InTimeOrder(lines);
        }

        var recent = (await ReadNewAsync(int.MaxValue)).TakeLast(query.Tail).ToList();
        foreach (var line in recent)
            LogLineOutput.Write(output, line, query.Format);
        if (recent.Count == 0 && !query.Follow)
            notes.WriteLine($"No log lines in {string.Join(", ", sources.Select(s => s.Group))} since {Utc(start)}. Look further back with --since (e.g. --since 24h).");

        while (query.Follow && !cancellation.IsCancellationRequested)
        {
            await Task.Delay(FollowInterval, cancellation);
            foreach (var line in await ReadNewAsync(FollowPageLimit))
                LogLineOutput.Write(output, line, query.Format);
        }
    }

    /// <summary>The most lines one follow round reads from a group.</summary>
    const int FollowPageLimit = 1000;

    /// <summary>
    /// The Logs Insights query for one request's lines: the JSON field <c>request_id</c> (which Logs Insights discovers in JSON
    /// log events) equal to <paramref name="requestId"/>, oldest first, at most <see cref="InsightsLimit"/>.
    /// </summary>
    public static string InsightsQuery(string requestId)
    {
        if (!RequestIds.IsWellFormed(requestId))
            throw new PipelineException($"'{requestId}' is not a request id (1 to {RequestIds.MaxLength} characters of letters, digits and + / = _ . -).");
        return $"fields @timestamp, @log, @logStream, @message\n| filter request_id = {QuotedString(requestId)}\n| sort @timestamp asc\n| limit {InsightsLimit}";
    }

    /// <summary>A Logs Insights string literal: double quotes, with a backslash before each backslash and double quote inside.</summary>
    public static string QuotedString(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary>One Logs Insights result row as a line: from the access log (<c>gateway</c>) or a service's group (the service and its task).</summary>
    public static LogLine LineOf(IReadOnlyDictionary<string, string> row, IReadOnlyList<LogSource> sources)
    {
        // @log is "<account id>:<log group name>"; a log group name has no colon.
        var log = row.GetValueOrDefault("@log") ?? "";
        var group = log[(log.LastIndexOf(':') + 1)..];
        var source = sources.FirstOrDefault(s => s.Group == group);
        var label = source switch
        {
            null => group,
            { IsGateway: true } => source.Name,
            _ => $"{source.Name}/{TaskOf(row.GetValueOrDefault("@logStream") ?? "")}",
        };
        return LogLine.Received(InsightsTimestamp(row.GetValueOrDefault("@timestamp") ?? ""), label, row.GetValueOrDefault("@message") ?? "");
    }

    static LogLine LineOf(LogEvent e, LogSource source) =>
        LogLine.Received(e.Timestamp, source.IsGateway ? source.Name : $"{source.Name}/{TaskOf(e.LogStreamName)}", e.Message);

    /// <summary>Logs Insights writes <c>@timestamp</c> as <c>2026-12-07 01:02:03.456</c> (UTC); epoch milliseconds are read too.</summary>
    static DateTimeOffset InsightsTimestamp(string value) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var millis) ? DateTimeOffset.FromUnixTimeMilliseconds(millis)
        : DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time) ? time
        : DateTimeOffset.MinValue;

    /// <summary>awslogs streams are <c>prefix/container/task-id</c>; the task id's start tells the tasks apart.</summary>
    static string TaskOf(string logStreamName)
    {
        var taskId = logStreamName[(logStreamName.LastIndexOf('/') + 1)..];
        return taskId[..Math.Min(8, taskId.Length)];
    }

    static string Utc(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    static string Megabytes(double bytes) => (bytes / 1_000_000).ToString("0.0", CultureInfo.InvariantCulture) + " MB";
}

/// <summary>One log group <c>Logs</c> reads: the access log (<paramref name="IsGateway"/>) or a service's group, and what its lines are called.</summary>
internal sealed record LogSource(string Group, string Name, bool IsGateway);
