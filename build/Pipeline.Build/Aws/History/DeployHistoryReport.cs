using System.Globalization;
using System.Text;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Engine;
using Pipeline.Build.Reports;

namespace Pipeline.Build.Aws.History;

/// <summary>
/// The History target's output: records newest first as a table (text or Markdown) or as JSON, the same records either way.
/// One column per service with the tag the record gave it (<c>-</c> where the run did not deploy that service).
/// </summary>
public static class DeployHistoryReport
{
    /// <summary>The History step: the records of <paramref name="environment"/> in the deploy history of the connection's account.</summary>
    public static async Task ShowAsync(AwsConnection connection, string environment, IReadOnlyList<string> services, bool onlyThese, int limit,
        ReportFormat format, TextWriter output, IStepLog log, CancellationToken ct)
    {
        var (history, _) = await DeployHistory.ForAccountAsync(connection, environment, ct);
        await ShowAsync(history, services, onlyThese, limit, format, output, log, ct);
    }

    /// <summary>
    /// Reads the newest <paramref name="limit"/> records (with <paramref name="onlyThese"/>, only those that deployed one of
    /// <paramref name="services"/>) and writes them to <paramref name="output"/>. No bucket or no record is a message, not an error.
    /// </summary>
    public static async Task ShowAsync(DeployHistory history, IReadOnlyList<string> services, bool onlyThese, int limit, ReportFormat format,
        TextWriter output, IStepLog log, CancellationToken ct)
    {
        var listing = await history.ListAsync(ct);
        var records = new List<DeployHistoryRecord>();
        await foreach (var record in history.ReadAllAsync(listing.IdsNewestFirst, log, ct))
        {
            if (!onlyThese || services.Any(s => record.ImageOf(s) is not null))
                records.Add(record);
            if (records.Count >= limit)
                break;
        }
        var of = onlyThese ? $" of {string.Join(", ", services)}" : "";
        if (records.Count == 0)
        {
            log.Info(listing.BucketMissing
                ? $"No deploy history for environment {history.Environment} yet: bucket {history.BucketName} does not exist in this account and region. " +
                  "The first Deploy, Redeploy or Rollback creates it and writes the first record."
                : $"No deploy history{of} for environment {history.Environment} yet in s3://{history.BucketName}/{history.Prefix}. " +
                  "Deploy, Redeploy and Rollback write a record each.");
            if (format == ReportFormat.Json)
                await output.WriteAsync("[]\n");
            return;
        }
        var now = DateTimeOffset.UtcNow;
        await output.WriteAsync(Render(records.Select(r => r with { Outcome = r.OutcomeAt(now) }).ToList(), services, format));
        if (records.FirstOrDefault(r => r.OutcomeAt(now) == Outcomes.Abandoned) is { } abandoned)
            log.Info($"{abandoned.Id}: abandoned: the {abandoned.Target} by {abandoned.Caller.Short()} started at {abandoned.Started ?? abandoned.Time:yyyy-MM-dd HH:mm:ss}Z " +
                     "stopped without saying how it ended (killed, or its machine went away); the next run of the same command finishes or undoes what it left.");
        var more = records.Count == limit && listing.IdsNewestFirst.Count > limit;
        log.Info($"{records.Count} record(s){of}, newest first, from s3://{history.BucketName}/{history.Prefix}" +
                 (more ? $"; older ones with --limit {limit * 2}." : "."));
    }

    public static string Render(IReadOnlyList<DeployHistoryRecord> newestFirst, IReadOnlyList<string> services, ReportFormat format) => format switch
    {
        ReportFormat.Json => DeployHistoryRecord.ToJson(newestFirst.Select(r => r.For(services)).ToList()) + "\n",
        ReportFormat.Markdown => ToMarkdown(newestFirst, services),
        _ => ToText(newestFirst, services),
    };

    static readonly string[] Columns = ["Id", "Time (UTC)", "Target", "Outcome", "Who", "Commit"];

    const string RolloutColumn = "Rollout";

    /// <summary>The columns after the services': how each rollout ended, when a record shown says (older records do not).</summary>
    static string[] Trailing(IReadOnlyList<DeployHistoryRecord> records, IReadOnlyList<string> services) =>
        records.Any(r => Rollouts(r, services).Length > 0) ? [RolloutColumn] : [];

    public static string ToText(IReadOnlyList<DeployHistoryRecord> newestFirst, IReadOnlyList<string> services)
    {
        var trailing = Trailing(newestFirst, services);
        var table = new TextTable([.. Columns, .. services, .. trailing]);
        foreach (var record in newestFirst)
            table.Add(Cells(record, services, trailing));
        var text = new StringWriter { NewLine = "\n" };
        table.WriteTo(text);
        return text.ToString();
    }

    public static string ToMarkdown(IReadOnlyList<DeployHistoryRecord> newestFirst, IReadOnlyList<string> services)
    {
        var trailing = Trailing(newestFirst, services);
        var md = new StringBuilder();
        md.Append("| ").Append(string.Join(" | ", Columns.Concat(services).Concat(trailing))).Append(" |\n");
        md.Append(string.Concat(Enumerable.Repeat("|---", Columns.Length + services.Count + trailing.Length))).Append("|\n");
        foreach (var record in newestFirst)
            md.Append("| ").Append(string.Join(" | ", Cells(record, services, trailing).Select(c => c.Replace("|", "\\|", StringComparison.Ordinal)))).Append(" |\n");
        return md.ToString();
    }

    /// <summary><c>fastapi rolled back by alarm apigw-dev-fastapi-5xx (canary 10 % for 3 min, bake 5 min)</c>, one per rolled service, <c>; </c> between.</summary>
    static string Rollouts(DeployHistoryRecord record, IReadOnlyList<string> services) => string.Join("; ",
        services.Select(record.ImageOf).OfType<HistoryImage>().Where(i => i.Rollout is not null || i.Strategy is not null)
            .Select(i => $"{i.Service} {i.Rollout ?? "ended unknown"}" + (i.Strategy is null ? "" : $" ({i.Strategy})")));

    static string[] Cells(DeployHistoryRecord record, IReadOnlyList<string> services, string[] trailing) =>
    [
        record.Id,
        record.Time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        record.RollbackTo is null ? record.Target : $"{record.Target} to {record.RollbackTo}",
        record.Outcome,
        record.Caller.Short(),
        record.Git.Short(),
        .. services.Select(s => record.ImageOf(s)?.Tag ?? "-"),
        .. trailing.Select(_ => Rollouts(record, services) is { Length: > 0 } rollouts ? rollouts : "-"),
    ];
}
