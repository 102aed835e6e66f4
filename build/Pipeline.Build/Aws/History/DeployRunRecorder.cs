using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Aws.History;

/// <summary>
/// How a Deploy or Redeploy on AWS ended, written twice: first as a record in the account's deploy history, which every
/// machine reads (<see cref="DeployHistoryRecorder"/>), then as the local record (<c>artifacts/deploy/&lt;env&gt;.json</c>,
/// the GitHub step outputs and job summary), which names the history record.
/// </summary>
public sealed class DeployRunRecorder(AwsContext aws, DeployJobFacts jobFacts)
{
    /// <param name="stackNames">The stacks whose outputs the local record keeps.</param>
    public async Task RecordAsync(string target, IReadOnlyList<ServiceImage> images, string outcome, TimeSpan duration,
        IReadOnlyList<string> stackNames, IStepLog log, CancellationToken cancellation)
    {
        var outputs = new Dictionary<string, IReadOnlyDictionary<string, string>>();
        var stacks = await aws.CloudFormation.DescribeAllStacksAsync(cancellation);
        foreach (var stackName in stackNames)
            if (stacks.GetValueOrDefault(stackName) is { } stack)
                outputs[stackName] = stack.Outputs;
        var history = await RecordHistoryAsync(target, images, outcome, duration, stacks, log, cancellation);
        await new DeployRecordWriter(aws.Settings.ArtifactsDirectory).WriteAsync(
            new DeployRecord(aws.Environment, DateTimeOffset.UtcNow, outputs,
                // An image found in the registry (not pushed by this run) has its digest from the history's lookup.
                images.Select(i => new DeployedImage(i.Service.Name, i.Repository, i.Tag, i.Digest ?? history?.ImageOf(i.Service.Name)?.Digest)).ToList())
            {
                Target = target,
                Outcome = outcome,
                Duration = duration,
                Region = aws.Connection.Region,
                HistoryId = history?.Id,
                PromotedFrom = jobFacts.PromotedFrom,
                Stacks = jobFacts.StackResults(),
                Health = jobFacts.HealthResults(),
            },
            log, cancellation);
    }

    /// <summary>
    /// Appends the run to the deploy history in the account and, after a success, gives its images their protected
    /// <c>deployed-&lt;id&gt;</c> tag. A history that cannot be written is a warning: the run's outcome stands.
    /// </summary>
    async Task<DeployHistoryRecord?> RecordHistoryAsync(string target, IReadOnlyList<ServiceImage> images, string outcome, TimeSpan duration,
        IReadOnlyDictionary<string, StackDescription> stacks, IStepLog log, CancellationToken cancellation)
    {
        try
        {
            return await new DeployHistoryRecorder(aws.Connection, aws.Http, aws.Settings).RecordAsync(
                new DeployHistoryRecorder.Run(target, images, outcome, duration, stacks, await aws.ImageDestinationAsync(cancellation))
                {
                    PromotedFrom = jobFacts.PromotedFrom,
                    Running = aws.RunningRecord,
                    Rollouts = aws.Rollouts,
                },
                log, cancellation);
        }
        catch (Exception e) when (e is PipelineException or HttpRequestException or OperationCanceledException)
        {
            log.Warn($"deploy history: this {target} ({outcome}) could not be recorded in the account: {e.Message}");
            return null;
        }
    }
}
