using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Aws.History;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Aws.Diff;

/// <summary>
/// Which commit a deployed image tag was built from, read from the account's deploy history (<see cref="DeployHistory"/>):
/// the newest record that deployed the service with that tag names the commit it ran from. Read-only (STS
/// GetCallerIdentity, S3 ListBucket and GetObject); a history that cannot be read leaves the commits unknown.
/// </summary>
public static class StackDiffHistory
{
    /// <summary>How far back Diff looks (newest first): a tag deployed longer ago than this shows "commit unknown".</summary>
    public const int MostRecords = 200;

    public static async Task<IReadOnlyDictionary<(string Service, string Tag), string>> CommitsAsync(
        AwsConnection connection, string environment, IReadOnlyCollection<(string Service, string Tag)> wanted, IStepLog log, CancellationToken ct)
    {
        var found = new Dictionary<(string Service, string Tag), string>();
        if (wanted.Count == 0)
            return found;
        try
        {
            var (history, _) = await DeployHistory.ForAccountAsync(connection, environment, ct);
            var listing = await history.ListAsync(ct);
            await foreach (var record in history.ReadAllAsync(listing.IdsNewestFirst.Take(MostRecords).ToList(), log, ct))
            {
                foreach (var (service, tag) in wanted.Where(w => !found.ContainsKey(w)))
                    if (record.ImageOf(service)?.Tag == tag && record.Git.Commit != HistorySource.UnknownCommit)
                        found[(service, tag)] = record.Git.Short();
                if (found.Count == wanted.Count)
                    break;
            }
        }
        catch (Exception e) when (e is PipelineException or HttpRequestException or Amazon.Runtime.AmazonServiceException)
        {
            log.Warn($"deploy history could not be read ({e.Message}); the deployed image tags show 'commit unknown'.");
        }
        return found;
    }
}
