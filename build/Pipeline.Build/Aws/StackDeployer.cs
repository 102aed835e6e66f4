using System.Text;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Aws;

/// <summary>
/// Deploys one CloudFormation stack through a change set: shows what changes (add / modify / remove, replacements),
/// then executes it and streams the stack's events, or under a dry run deletes it again.
/// Handles the states a plain "update-stack" trips over: a busy stack, a failed first create, a stuck rollback.
/// </summary>
public sealed class StackDeployer(CloudFormationClient cloudFormation, TemplateStore? templateStore = null, StackDeployerOptions? options = null)
{
    readonly StackDeployerOptions options = options ?? new StackDeployerOptions();

    /// <summary>Which stacks this deployer started and how each ended, for the per-stack table an interrupt prints.</summary>
    public StackActivity Activity { get; } = new();

    public async Task<StackDeployOutcome> DeployAsync(StackDeployRequest request, bool dryRun, IStepLog log, CancellationToken ct)
    {
        Activity.Start(request.StackName);
        try
        {
            var outcome = await DeployStackAsync(request, dryRun, log, ct);
            Activity.Finish(request.StackName, outcome.Kind switch
            {
                StackDeployKind.Created => "created",
                StackDeployKind.Updated => "updated",
                StackDeployKind.DryRun => "dry run",
                _ => "no changes",
            });
            return outcome;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Activity.Finish(request.StackName, "FAILED");
            throw;
        }
    }

    async Task<StackDeployOutcome> DeployStackAsync(StackDeployRequest request, bool dryRun, IStepLog log, CancellationToken ct)
    {
        var stackName = request.StackName;
        var templateBody = request.TemplatePath is null ? null : await ReadTemplateAsync(request.TemplatePath, ct);
        var stack = await WaitWhileBusyAsync(stackName, log, ct);
        if (templateBody is null && (stack is null || stack.Status is "ROLLBACK_COMPLETE" or "REVIEW_IN_PROGRESS"))
            throw new PipelineException($"Stack {stackName} is not deployed yet, so it has no current template to update. Run ./build.sh Deploy first.");

        if (stack?.Status is "ROLLBACK_COMPLETE" or "ROLLBACK_FAILED" && dryRun)
        {
            log.Warn($"stack {stackName} is in {stack.Status} from a failed first create; a real deploy deletes it and creates it again. Dry run: nothing touched.");
            return new StackDeployOutcome(stackName, StackDeployKind.DryRun, new Dictionary<string, string>());
        }
        if (stack?.Status == "ROLLBACK_COMPLETE")
        {
            log.Warn($"stack {stackName} is in ROLLBACK_COMPLETE: its first create failed and it cannot be updated. Deleting it and creating it again.");
            await DeleteStackAndWaitAsync(stackName, log, ct);
            stack = null;
        }
        if (stack is not null)
            ThrowIfStuck(stack);

        var createsStack = stack is null || stack.Status == "REVIEW_IN_PROGRESS";
        var changeSetName = ChangeSetNames.New(dryRun);
        var (inlineBody, templateUrl) = templateBody is null ? (null, null) : await PlaceTemplateAsync(stackName, templateBody, log, ct);
        var changeSetCreated = false;
        try
        {
            return await CreateAndExecuteAsync();
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested && changeSetCreated)
        {
            // Interrupted before the change set ran: nothing of this run may stay behind.
            await RemoveUnexecutedChangeSetAsync(stackName, changeSetName, removeStack: createsStack && stack is null, log);
            throw;
        }

        async Task<StackDeployOutcome> CreateAndExecuteAsync()
        {
            changeSetCreated = true;
            try
            {
                await cloudFormation.CreateChangeSetAsync(
                    new ChangeSetRequest(stackName, changeSetName, createsStack, inlineBody, templateUrl, request.Parameters, request.Tags)
                    {
                        PreviousValueParameters = request.PreviousValueParameters,
                        RoleArn = options.ExecutionRoleArn,
                        ResourcesToImport = request.ResourcesToImport,
                    }, ct);
            }
            // CloudFormation checks the role when the change set is made: "Role <arn> is invalid or cannot be assumed".
            catch (AwsServiceException e) when (options.ExecutionRoleArn is { } role && e.ErrorCode == "ValidationError" &&
                                                 e.ErrorMessage.Contains("cannot be assumed", StringComparison.OrdinalIgnoreCase))
            {
                throw new PipelineException(
                    $"Stack {stackName}: CloudFormation cannot assume the execution role {role} ({e.ErrorMessage}). An administrator creates it once: " +
                    "./build.sh DeployRole --profile <profile> --github-repository <owner/name> writes it and prints the commands " +
                    "(./build.sh Preflight --profile <profile> checks it). To deploy with your own credentials instead, pass --cfn-execution-role none.", e);
            }
            // Some CloudFormation implementations refuse an empty change set outright instead of failing it.
            catch (AwsServiceException e) when (e.ErrorCode == "ValidationError" && e.ErrorMessage.Contains("No updates are to be performed", StringComparison.Ordinal))
            {
                log.Info($"stack {stackName}: no changes, nothing to deploy.");
                return new StackDeployOutcome(stackName, StackDeployKind.NoChanges, stack?.Outputs ?? new Dictionary<string, string>());
            }
            var changeSet = await WaitForChangeSetAsync(stackName, changeSetName, ct);

            if (changeSet.HasNoChanges)
            {
                await cloudFormation.DeleteChangeSetAsync(stackName, changeSetName, ct);
                log.Info($"stack {stackName}: no changes, nothing to deploy.");
                return new StackDeployOutcome(stackName, StackDeployKind.NoChanges, stack?.Outputs ?? new Dictionary<string, string>());
            }
            if (changeSet.Status == "FAILED")
            {
                await cloudFormation.DeleteChangeSetAsync(stackName, changeSetName, ct);
                throw new PipelineException(
                    $"Stack {stackName}: CloudFormation rejected the change set: {changeSet.StatusReason}. Fix the template or parameters and deploy again.");
            }

            ShowChangeSet(stackName, changeSet, log);

            if (dryRun)
            {
                await cloudFormation.DeleteChangeSetAsync(stackName, changeSetName, ct);
                // A CREATE change set leaves an empty stack in REVIEW_IN_PROGRESS behind; a dry run must leave nothing.
                if (createsStack && stack is null)
                    await cloudFormation.DeleteStackAsync(stackName, ct);
                log.Info($"stack {stackName}: dry run, change set deleted without executing.");
                return new StackDeployOutcome(stackName, StackDeployKind.DryRun, stack?.Outputs ?? new Dictionary<string, string>());
            }

            var alreadySeen = (await cloudFormation.DescribeStackEventsAsync(stackName, DateTimeOffset.UtcNow.AddMinutes(-10), ct))
                .Select(e => e.EventId).ToHashSet();
            var execution = new Execution(changeSet.ChangeSetId, DateTimeOffset.UtcNow, alreadySeen);
            // From here the change set is CloudFormation's: an interrupt leaves it running and says so.
            changeSetCreated = false;
            execution.Token = await cloudFormation.ExecuteChangeSetAsync(stackName, changeSetName, ct);
            StackDescription final;
            using (Interruption.InFlight($"stack {stackName}: {(createsStack ? "create" : "update")} running in CloudFormation; follow it: aws cloudformation describe-stack-events --stack-name {stackName}"))
            {
                try
                {
                    final = await StreamUntilSettledAsync(stackName, execution, log, ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    log.Warn(await LeftRunningAsync(stackName, createsStack));
                    throw;
                }
            }

            if (final.Status is "CREATE_COMPLETE" or "UPDATE_COMPLETE" or "IMPORT_COMPLETE")
            {
                log.Info($"stack {stackName}: {final.Status}.");
                var kind = request.ResourcesToImport.Count > 0 ? StackDeployKind.Imported : createsStack ? StackDeployKind.Created : StackDeployKind.Updated;
                return new StackDeployOutcome(stackName, kind, final.Outputs) { Changes = changeSet.Changes };
            }
            throw new PipelineException(
                $"Stack {stackName} ended in {final.Status}{Reason(final.StatusReason)}. {await DescribeFailuresAsync(stackName, execution, ct)}" +
                (final.Status == "UPDATE_ROLLBACK_COMPLETE" ? "The previous version is still deployed. " : "") +
                "Fix the failing resource and deploy again.");
        }
    }

    /// <summary>What this run started: the change set, when it was executed, and the events that were there before.</summary>
    sealed class Execution(string changeSetId, DateTimeOffset executedAt, HashSet<string> seenBefore)
    {
        public string ChangeSetId { get; } = changeSetId;
        public DateTimeOffset ExecutedAt { get; } = executedAt;
        public HashSet<string> Seen { get; } = seenBefore;
        public HashSet<string> SeenBefore { get; } = [.. seenBefore];
        public string Token { get; set; } = "";

        /// <summary>An event of this execution: carries its token where reported, else is new since it started.</summary>
        public bool Caused(StackEvent e) =>
            e.ClientRequestToken.Length > 0 ? e.ClientRequestToken == Token : !SeenBefore.Contains(e.EventId) && e.Timestamp >= ExecutedAt.AddMinutes(-1);
    }

    async Task RemoveUnexecutedChangeSetAsync(string stackName, string changeSetName, bool removeStack, IStepLog log)
    {
        using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await cloudFormation.DeleteChangeSetAsync(stackName, changeSetName, cleanup.Token);
            // A CREATE change set made an empty stack (REVIEW_IN_PROGRESS); it goes with its change set.
            if (removeStack)
                await cloudFormation.DeleteStackAsync(stackName, cleanup.Token);
            log.Warn($"stack {stackName}: interrupted before the change set ran; change set {changeSetName} deleted{(removeStack ? ", and the empty new stack with it" : "")}. The stack is as it was.");
        }
        catch (Exception e) when (e is PipelineException or OperationCanceledException or HttpRequestException)
        {
            log.Warn($"stack {stackName}: interrupted before the change set ran, and deleting change set {changeSetName} failed ({e.Message}). " +
                     $"Delete it: aws cloudformation delete-change-set --stack-name {stackName} --change-set-name {changeSetName}");
        }
    }

    /// <summary>An interrupt does not stop CloudFormation: say what runs on, in which state, and how to follow or cancel it.</summary>
    async Task<string> LeftRunningAsync(string stackName, bool creates)
    {
        var state = await cloudFormation.StatusForReportAsync(stackName, whenGone: "unknown");
        return $"stack {stackName}: interrupted while {state}; the {(creates ? "create" : "update")} continues in CloudFormation and was not cancelled. " +
               $"Follow it: aws cloudformation describe-stack-events --stack-name {stackName}" +
               (creates ? "" : $"; to stop it: aws cloudformation cancel-update-stack --stack-name {stackName}") +
               ". Run the deploy again once it has settled.";
    }

    static async Task<string> ReadTemplateAsync(string templatePath, CancellationToken ct)
    {
        if (!File.Exists(templatePath))
            throw new PipelineException($"Template {templatePath}: file not found. Run the SynthInfra target first.");
        return await File.ReadAllTextAsync(templatePath, ct);
    }

    async Task<(string? Body, string? Url)> PlaceTemplateAsync(string stackName, string templateBody, IStepLog log, CancellationToken ct)
    {
        if (Encoding.UTF8.GetByteCount(templateBody) <= TemplateStore.InlineTemplateLimit)
            return (templateBody, null);
        if (templateStore is null)
            throw new PipelineException(
                $"Stack {stackName}: the template is larger than CloudFormation's inline limit of {TemplateStore.InlineTemplateLimit:N0} bytes and no template bucket is configured. " +
                "Deploy with a template store (S3) so the template can be uploaded.");
        return (null, await templateStore.UploadAsync(stackName, templateBody, log, ct));
    }

    Task<StackDescription?> WaitWhileBusyAsync(string stackName, IStepLog log, CancellationToken ct) =>
        StackPoll(stackName, options.BusyWait, "another deploy or a rollback continues in AWS", "run the deploy again once it has finished").UntilAsync(
            (_, ct) => cloudFormation.DescribeStackAsync(stackName, ct),
            stack => stack is null || !stack.IsInProgress || stack.Status == "REVIEW_IN_PROGRESS",
            stack => $"busy ({stack!.Status})",
            ct,
            announce: stack => log.Info($"stack {stackName} is busy ({stack!.Status}); waiting up to {Poll.Format(options.BusyWait)} for it to finish."));

    Poll StackPoll(string stackName, TimeSpan deadline, string continues, string nextStep) => new($"Stack {stackName}", deadline, options.PollInterval)
    {
        Continues = continues,
        Command = $"aws cloudformation describe-stack-events --stack-name {stackName}",
        NextStep = nextStep,
    };

    static void ThrowIfStuck(StackDescription stack)
    {
        var name = stack.StackName;
        switch (stack.Status)
        {
            case "UPDATE_ROLLBACK_FAILED":
                throw new PipelineException(
                    $"Stack {name} is in UPDATE_ROLLBACK_FAILED{Reason(stack.StatusReason)}: an update failed and CloudFormation could not roll some resources back, " +
                    "so the stack accepts no update until that rollback finishes. Fix the resource named in the stack events (or the cause, e.g. a deleted dependency), then run " +
                    $"'aws cloudformation continue-update-rollback --stack-name {name}' (add '--resources-to-skip <LogicalId>' for resources that cannot be restored), " +
                    $"or delete the stack with 'aws cloudformation delete-stack --stack-name {name}'. Then deploy again.");
            case "ROLLBACK_FAILED":
                throw new PipelineException(
                    $"Stack {name} is in ROLLBACK_FAILED{Reason(stack.StatusReason)}: its first create failed and the cleanup failed too. " +
                    $"Delete it with 'aws cloudformation delete-stack --stack-name {name}' (with '--retain-resources' for what cannot be deleted), then deploy again.");
            case "DELETE_FAILED":
                throw new PipelineException(
                    $"Stack {name} is in DELETE_FAILED{Reason(stack.StatusReason)}. Finish the delete ('aws cloudformation delete-stack --stack-name {name}', " +
                    "with '--retain-resources' for what cannot be deleted), then deploy again.");
        }
    }

    async Task DeleteStackAndWaitAsync(string stackName, IStepLog log, CancellationToken ct)
    {
        await cloudFormation.DeleteStackAsync(stackName, ct);
        await StackPoll(stackName, options.OperationWait, "the delete continues in AWS", "deploy again once the delete has finished").UntilAsync(
            async (_, ct) =>
            {
                var stack = await cloudFormation.DescribeStackAsync(stackName, ct);
                if (stack?.Status == "DELETE_FAILED")
                    throw new PipelineException(
                        $"Stack {stackName}: deleting the failed stack failed{Reason(stack.StatusReason)}. Delete it by hand ('aws cloudformation delete-stack --stack-name {stackName}') and deploy again.");
                return stack;
            },
            stack => stack is null || stack.Status == "DELETE_COMPLETE",
            stack => stack!.Status,
            ct);
        log.Info($"stack {stackName}: deleted.");
    }

    Task<ChangeSetDescription> WaitForChangeSetAsync(string stackName, string changeSetName, CancellationToken ct) =>
        new Poll($"Change set {changeSetName} of stack {stackName}", options.OperationWait, options.PollInterval)
        {
            Continues = "CloudFormation goes on creating it",
            Command = $"aws cloudformation describe-change-set --stack-name {stackName} --change-set-name {changeSetName}",
            NextStep = "check CloudFormation's health and deploy again",
        }.UntilAsync(
            (_, ct) => cloudFormation.DescribeChangeSetAsync(stackName, changeSetName, ct),
            changeSet => changeSet.Status is not ("CREATE_PENDING" or "CREATE_IN_PROGRESS"),
            changeSet => changeSet.Status,
            ct);

    static void ShowChangeSet(string stackName, ChangeSetDescription changeSet, IStepLog log)
    {
        var added = changeSet.Changes.Count(c => c.Action == "Add");
        var modified = changeSet.Changes.Count(c => c.Action == "Modify");
        var replaced = changeSet.Changes.Count(c => c.Action == "Modify" && c.Replacement is "True" or "Conditional");
        var removed = changeSet.Changes.Count(c => c.Action == "Remove");
        var imported = changeSet.Changes.Count(c => c.Action == "Import");
        log.Info($"stack {stackName}: {(imported > 0 ? $"{imported} to import, " : "")}{added} to add, {modified} to modify ({replaced} replaced), {removed} to remove");
        foreach (var change in changeSet.Changes)
        {
            var symbol = change.Action switch { "Add" => "+", "Remove" => "-", "Modify" => "~", "Import" => "<", _ => "?" };
            var replacement = change.Action == "Modify" && change.Replacement is "True" or "Conditional"
                ? change.Replacement == "True" ? "  [replacement]" : "  [may be replaced]"
                : "";
            log.Info($"  {symbol} {change.Action,-6} {change.LogicalResourceId} ({change.ResourceType}){replacement}");
        }
    }

    Task<StackDescription> StreamUntilSettledAsync(string stackName, Execution execution, IStepLog log, CancellationToken ct)
    {
        var eventsSince = DateTimeOffset.UtcNow.AddMinutes(-10);
        return StackPoll(stackName, options.OperationWait, "the operation continues in AWS", "run the deploy again once it has finished")
            .UntilAsync(
                async (_, ct) =>
                {
                    foreach (var stackEvent in await cloudFormation.DescribeStackEventsAsync(stackName, eventsSince, ct))
                    {
                        if (!execution.Seen.Add(stackEvent.EventId))
                            continue;
                        log.Detail($"{stackEvent.Timestamp:HH:mm:ss} {stackEvent.ResourceStatus,-20} {stackEvent.LogicalResourceId} ({stackEvent.ResourceType}){Reason(stackEvent.ResourceStatusReason)}");
                    }
                    return await cloudFormation.DescribeStackAsync(stackName, ct)
                        ?? throw new PipelineException($"Stack {stackName} disappeared while deploying. Someone deleted it; deploy again.");
                },
                // Right after ExecuteChangeSet the stack may still show the previous operation's final state; where
                // CloudFormation reports the change set a state belongs to, only ours counts.
                stack => !stack.IsInProgress && (stack.ChangeSetId.Length == 0 || execution.ChangeSetId.Length == 0 || stack.ChangeSetId == execution.ChangeSetId),
                stack => stack.Status,
                ct);
    }

    /// <summary>The failed resources of this execution only, never an earlier deploy's.</summary>
    async Task<string> DescribeFailuresAsync(string stackName, Execution execution, CancellationToken ct)
    {
        var failures = (await cloudFormation.DescribeStackEventsAsync(stackName, execution.ExecutedAt.AddMinutes(-1), ct))
            .Where(execution.Caused)
            .Where(e => e.ResourceStatus.EndsWith("_FAILED", StringComparison.Ordinal) && e.ResourceStatusReason.Length > 0)
            .Select(e => $"{e.LogicalResourceId} ({e.ResourceType}): {e.ResourceStatusReason}")
            .Distinct()
            .ToList();
        return failures.Count == 0 ? "" : "Failed resources: " + string.Join("; ", failures) + ". ";
    }

    static string Reason(string reason) => string.IsNullOrWhiteSpace(reason) ? "" : $" ({reason})";
}

public enum StackDeployKind
{
    Created,
    Updated,

    /// <summary>Existing resources were brought into the stack (an IMPORT change set), the stack created for them if need be.</summary>
    Imported,
    NoChanges,
    DryRun,
}

/// <summary>What a stack deploy did, and the stack's outputs afterwards (empty for a dry run of a new stack).</summary>
public sealed record StackDeployOutcome(string StackName, StackDeployKind Kind, IReadOnlyDictionary<string, string> Outputs)
{
    /// <summary>The resources the executed change set added, modified or removed.</summary>
    public IReadOnlyList<ResourceChange> Changes { get; init; } = [];
}

/// <summary>
/// One stack to deploy: its name, the synthesized template file, parameters and stack tags.
/// A null <see cref="TemplatePath"/> updates an existing stack's parameters on its current template.
/// </summary>
public sealed record StackDeployRequest(
    string StackName,
    string? TemplatePath,
    IReadOnlyDictionary<string, string> Parameters,
    IReadOnlyDictionary<string, string> Tags)
{
    /// <summary>Parameters that keep their current value (Redeploy of one service keeps the others' image tags).</summary>
    public IReadOnlyCollection<string> PreviousValueParameters { get; init; } = [];

    /// <summary>Existing resources to bring into the stack: the change set is an IMPORT, and the template may do nothing else.</summary>
    public IReadOnlyList<ResourceToImport> ResourcesToImport { get; init; } = [];
}

/// <summary>The bounds of a stack deploy's waits.</summary>
public sealed record StackDeployerOptions
{
    /// <summary>
    /// The role CloudFormation acts as to create, change and delete the stacks' resources (its RoleARN); null: the caller's
    /// own credentials.
    /// </summary>
    public string? ExecutionRoleArn { get; init; }

    /// <summary>How long to wait for another operation on the stack to finish before giving up. Default 30 minutes.</summary>
    public TimeSpan BusyWait { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>How long a change set creation, a stack update or a delete may take. Default 60 minutes.</summary>
    public TimeSpan OperationWait { get; init; } = TimeSpan.FromMinutes(60);

    /// <summary>How often stack status and events are polled. Default 5 seconds.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// The names of the pipeline's change sets, so that what a run left can be found by name: <c>pipeline-&lt;time&gt;-&lt;hex&gt;</c>,
/// and <c>pipeline-preview-...</c> for a dry run's, which a run holding no lock makes and deletes again.
/// </summary>
public static class ChangeSetNames
{
    public const string Prefix = "pipeline-";
    const string PreviewPrefix = Prefix + "preview-";

    public static string New(bool dryRun) =>
        (dryRun ? PreviewPrefix : Prefix) + DateTimeOffset.UtcNow.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..6];

    public static bool IsPipelines(string name) => name.StartsWith(Prefix, StringComparison.Ordinal);

    public static bool IsPreview(string name) => name.StartsWith(PreviewPrefix, StringComparison.Ordinal);
}

/// <summary>
/// The stacks a run has started deploying and the result of each that finished. An interrupted stack stays started without
/// a result: what it is doing now is CloudFormation's to say.
/// </summary>
public sealed class StackActivity
{
    readonly System.Collections.Concurrent.ConcurrentDictionary<string, string?> results = new(StringComparer.Ordinal);

    public void Start(string stackName) => results[stackName] = null;

    public void Finish(string stackName, string result) => results[stackName] = result;

    public bool WasStarted(string stackName) => results.ContainsKey(stackName);

    /// <summary>How the stack's deploy ended in this run; null when it did not start or did not finish.</summary>
    public string? ResultOf(string stackName) => results.GetValueOrDefault(stackName);
}
