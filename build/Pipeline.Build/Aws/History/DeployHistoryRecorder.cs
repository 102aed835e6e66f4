using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws.History;

/// <summary>
/// Appends a run to the deploy history once it is over: who ran it (STS), from which commit (git), which image each
/// service got (tag and digest) and which template each stack runs, and how it ended. After a successful run each image
/// also gets its protected tag <c>deployed-&lt;history id&gt;</c> (<see cref="DeployHistoryImages"/>), which the ECR
/// lifecycle policy never expires for the last <c>KeepDeployedImages</c> deploys of a service.
/// </summary>
internal sealed class DeployHistoryRecorder(AwsConnection aws, HttpClient http, DeploySettings settings)
{
    /// <summary>What one finished run hands over to be recorded.</summary>
    public sealed record Run(
        string Target,
        IReadOnlyList<ServiceImage> Images,
        string Outcome,
        TimeSpan Duration,
        IReadOnlyDictionary<string, StackDescription> Stacks,
        ImageDestination Destination)
    {
        public string? RollbackTo { get; init; }

        /// <summary>For a promotion: the source environment's record whose images it deployed, e.g. <c>dev/20261201T153012Z-3f2a</c>.</summary>
        public string? PromotedFrom { get; init; }

        /// <summary>The record written when the run started, which this one completes (same id).</summary>
        public RunningHistoryRecord? Running { get; init; }

        /// <summary>How each rolled service's rollout ended, and with which strategy.</summary>
        public RolloutEndings? Rollouts { get; init; }
    }

    /// <summary>
    /// Writes the record of a run that starts now, as <see cref="Outcomes.Running"/> until <paramref name="leaseUntil"/>: who,
    /// from which commit, which target. The run completes it when it ends; a killed run leaves it, and History shows it abandoned.
    /// </summary>
    public async Task<RunningHistoryRecord> StartAsync(string target, DateTimeOffset leaseUntil, IStepLog log, CancellationToken ct)
    {
        var time = Clock.GetUtcNow();
        var (history, caller) = await DeployHistory.ForAccountAsync(aws, settings.Environment, ct);
        var record = new DeployHistoryRecord
        {
            Id = HistoryId.New(time),
            Environment = settings.Environment,
            Target = target,
            Time = time,
            Started = time,
            LeaseUntil = leaseUntil,
            Outcome = Outcomes.Running,
            Caller = caller,
            Git = await SourceAsync(settings.RootDirectory, ct),
            Region = aws.Region,
            Registry = string.IsNullOrEmpty(settings.Registry) ? "ecr" : settings.Registry,
        };
        var url = await history.WriteAsync(record, log, ct);
        log.Detail($"deploy history: {target} started, record {record.Id} written to {url} (running until it ends)");
        return new RunningHistoryRecord(history, record);
    }

    /// <summary>Gives the record its time and id; a test passes a clock it advances itself.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Writes the record; returns it, or throws a <see cref="PipelineException"/> saying why it could not.</summary>
    public async Task<DeployHistoryRecord> RecordAsync(Run run, IStepLog log, CancellationToken ct)
    {
        var time = Clock.GetUtcNow();
        var id = run.Running?.Started.Id ?? HistoryId.New(time);
        var (history, caller) = await DeployHistory.ForAccountAsync(aws, settings.Environment, ct);
        var usesEcr = string.IsNullOrEmpty(settings.Registry);
        var images = new DeployHistoryImages(aws, http, settings.Environment, usesEcr, run.Destination.Credentials);

        var recorded = run.Outcome == Outcomes.Succeeded
            ? await images.ProtectAsync(run.Images, id, log, ct)
            : await images.DescribeAsync(run.Images, ct);
        recorded = recorded.Select(image => run.Rollouts?.Of(image.Service) is { } rollout
            ? image with { Strategy = rollout.Strategy, Rollout = rollout.Ending }
            : image).ToList();
        var record = new DeployHistoryRecord
        {
            Id = id,
            Environment = settings.Environment,
            Target = run.Target,
            Time = time,
            DurationSeconds = Math.Round(run.Duration.TotalSeconds, 1, MidpointRounding.AwayFromZero),
            Outcome = run.Outcome,
            Caller = caller,
            Git = await SourceAsync(settings.RootDirectory, ct),
            Region = aws.Region,
            Registry = usesEcr ? "ecr" : run.Destination.RepositoryRoot,
            Services = recorded,
            Templates = TemplateHashes(run.Stacks),
            RollbackTo = run.RollbackTo,
            PromotedFrom = run.PromotedFrom,
        };
        var url = run.Running is { } running
            ? await running.CompleteAsync(record, log, ct) ?? history.UrlOf(id)
            : await history.WriteAsync(record, log, ct);
        log.Info($"deploy history: {record.Target} {record.Outcome}, record {id} written to {url}");
        // In GitHub Actions the record's id is a step output: a later job (prod's promotion) names exactly this record.
        await ContinuousIntegration.SetStepOutputAsync("history_id", id, ct);

        if (run.Outcome == Outcomes.Succeeded && usesEcr)
            await images.ReleaseOldProtectedTagsAsync(history, [.. settings.Catalog.Names], settings.KeepDeployedImages, log, ct);
        return record;
    }

    /// <summary>The template hash tag of each stack of this environment, as <see cref="StackSetDeployer"/> set it.</summary>
    IReadOnlyDictionary<string, string> TemplateHashes(IReadOnlyDictionary<string, StackDescription> stacks)
    {
        var names = new[] { DeploymentNames.RegistryStack(settings.Environment), DeploymentNames.SharedStack(settings.Environment) }
            .Concat(settings.Catalog.Names.Select(s => DeploymentNames.ServiceStack(settings.Environment, s)));
        var hashes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in names)
            if (stacks.GetValueOrDefault(name)?.Tags.GetValueOrDefault(StackSetDeployer.TemplateHashTag) is { Length: > 0 } hash)
                hashes[name] = hash;
        return hashes;
    }

    /// <summary>
    /// <c>git rev-parse HEAD</c> and <c>git status --porcelain</c> in the repository root; unknown when the root is not the
    /// top of a git checkout (a copy, an unpacked archive, a folder inside another repository) or git is not there.
    /// </summary>
    internal static async Task<HistorySource> SourceAsync(string repositoryRoot, CancellationToken ct)
    {
        try
        {
            // --show-prefix is the root's path inside the checkout: empty at its top, whatever symbolic links lead there.
            var head = await GitAsync(repositoryRoot, ["rev-parse", "--show-prefix", "HEAD"], ct);
            if (head is not [var prefix, var commit] || prefix.Trim().Length > 0)
                return HistorySource.Unknown;
            var status = await GitAsync(repositoryRoot, ["status", "--porcelain"], ct);
            return new HistorySource(commit.Trim(), status is null ? null : status.Any(line => line.Length > 0));
        }
        catch (PipelineException)
        {
            return HistorySource.Unknown;
        }
    }

    static async Task<IReadOnlyList<string>?> GitAsync(string directory, string[] arguments, CancellationToken ct)
    {
        var output = await ChildProcess.RunAsync("git", arguments, directory, null, (_, _) => { }, ct);
        return output.ExitCode == 0 ? output.StandardOutput : null;
    }
}
