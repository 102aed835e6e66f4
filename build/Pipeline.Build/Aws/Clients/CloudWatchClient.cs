using System.Globalization;

namespace Pipeline.Build.Aws.Clients;

/// <summary>The CloudWatch metrics reads the pipeline uses, for Status's traffic figures: ListMetrics and GetMetricData.</summary>
public sealed class CloudWatchClient(AwsConnection connection, HttpClient http)
{
    /// <summary>GetMetricData takes at most this many queries in one call (the CloudWatch API Reference, GetMetricData).</summary>
    public const int MaxQueriesPerCall = 500;

    readonly AwsQueryClient query = new(connection, AwsService.CloudWatch, "2010-08-01", http);

    public Uri Endpoint => query.Endpoint;

    /// <summary>
    /// The metrics of <paramref name="namespace"/> that have every one of <paramref name="dimensions"/> (and maybe others),
    /// with datapoints in the past three hours (<c>RecentlyActive=PT3H</c>), each once.
    /// </summary>
    public async Task<IReadOnlyList<ListedMetric>> ListRecentMetricsAsync(string @namespace, IReadOnlyList<MetricDimension> dimensions, CancellationToken ct)
    {
        var metrics = new List<ListedMetric>();
        string? nextToken = null;
        do
        {
            var parameters = new List<KeyValuePair<string, string>> { new("Namespace", @namespace), new("RecentlyActive", "PT3H") };
            for (var d = 0; d < dimensions.Count; d++)
            {
                parameters.Add(new($"Dimensions.member.{d + 1}.Name", dimensions[d].Name));
                parameters.Add(new($"Dimensions.member.{d + 1}.Value", dimensions[d].Value));
            }
            if (nextToken is not null)
                parameters.Add(new("NextToken", nextToken));
            var result = await query.CallAsync("ListMetrics", parameters, ct);
            metrics.AddRange(result.Members("Metrics").Select(m => new ListedMetric(m.Text("MetricName"),
                m.Members("Dimensions").Select(d => new MetricDimension(d.Text("Name"), d.Text("Value"))).ToList())));
            nextToken = result.Text("NextToken") is { Length: > 0 } token ? token : null;
        }
        while (nextToken is not null);
        return metrics;
    }

    /// <summary>
    /// The datapoints of <paramref name="queries"/> between <paramref name="start"/> and <paramref name="end"/>: one call
    /// for up to <see cref="MaxQueriesPerCall"/> queries (more take one call per 500), every page of each read.
    /// </summary>
    public async Task<IReadOnlyList<MetricDataResult>> GetMetricDataAsync(
        IReadOnlyList<MetricDataQuery> queries, DateTimeOffset start, DateTimeOffset end, CancellationToken ct)
    {
        var values = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        var statuses = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var batch in queries.Chunk(MaxQueriesPerCall))
        {
            string? nextToken = null;
            do
            {
                var result = await query.CallAsync("GetMetricData", Parameters(batch, start, end, nextToken), ct);
                foreach (var member in result.Members("MetricDataResults"))
                {
                    var id = member.Text("Id");
                    if (!values.TryGetValue(id, out var list))
                        values[id] = list = [];
                    list.AddRange(member.Members("Values").Select(v => double.Parse(v.Value, NumberStyles.Float, CultureInfo.InvariantCulture)));
                    statuses[id] = member.Text("StatusCode");
                }
                nextToken = result.Text("NextToken") is { Length: > 0 } token ? token : null;
            }
            while (nextToken is not null);
        }
        return queries.Select(q => new MetricDataResult(q.Id, values.GetValueOrDefault(q.Id) ?? [], statuses.GetValueOrDefault(q.Id) ?? "")).ToList();
    }

    /// <summary>The form parameters of one GetMetricData call (the AWS Query protocol's <c>member.N</c> lists).</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Parameters(
        IReadOnlyList<MetricDataQuery> queries, DateTimeOffset start, DateTimeOffset end, string? nextToken)
    {
        var parameters = new List<KeyValuePair<string, string>>
        {
            new("StartTime", Timestamp(start)),
            new("EndTime", Timestamp(end)),
            new("ScanBy", "TimestampAscending"),
        };
        if (nextToken is not null)
            parameters.Add(new("NextToken", nextToken));
        for (var i = 0; i < queries.Count; i++)
        {
            var q = queries[i];
            var prefix = $"MetricDataQueries.member.{i + 1}.";
            parameters.Add(new(prefix + "Id", q.Id));
            parameters.Add(new(prefix + "MetricStat.Metric.Namespace", q.Namespace));
            parameters.Add(new(prefix + "MetricStat.Metric.MetricName", q.MetricName));
            for (var d = 0; d < q.Dimensions.Count; d++)
            {
                parameters.Add(new($"{prefix}MetricStat.Metric.Dimensions.member.{d + 1}.Name", q.Dimensions[d].Name));
                parameters.Add(new($"{prefix}MetricStat.Metric.Dimensions.member.{d + 1}.Value", q.Dimensions[d].Value));
            }
            parameters.Add(new(prefix + "MetricStat.Period", ((int)q.Period.TotalSeconds).ToString(CultureInfo.InvariantCulture)));
            parameters.Add(new(prefix + "MetricStat.Stat", q.Stat));
            parameters.Add(new(prefix + "ReturnData", "true"));
        }
        return parameters;
    }

    static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

/// <summary>One metric and statistic GetMetricData returns as a series: <paramref name="Id"/> starts with a lower-case letter.</summary>
/// <param name="Stat">A statistic (<c>Sum</c>, <c>Average</c>) or a percentile (<c>p50</c>, <c>p99</c>).</param>
public sealed record MetricDataQuery(string Id, string Namespace, string MetricName, IReadOnlyList<MetricDimension> Dimensions, TimeSpan Period, string Stat);

public sealed record MetricDimension(string Name, string Value);

/// <summary>A metric ListMetrics found: its name and every one of its dimensions.</summary>
public sealed record ListedMetric(string MetricName, IReadOnlyList<MetricDimension> Dimensions);

/// <summary>The datapoints of one query, oldest first; none when the metric had no data in the window.</summary>
/// <param name="StatusCode"><c>Complete</c>, or <c>PartialData</c> when CloudWatch left datapoints out.</param>
public sealed record MetricDataResult(string Id, IReadOnlyList<double> Values, string StatusCode);
