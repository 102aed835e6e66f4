using System.Diagnostics;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Aws.Destroy;

/// <summary>
/// Deletes one CloudFormation stack and waits, within a bound, until it is gone. Handles the states a plain
/// <c>delete-stack</c> trips over: a stack busy with another operation is waited for; a stack already being deleted is
/// followed, not deleted again; a stack in DELETE_FAILED (from an earlier run, or from this one) is deleted again once; a
/// delete that fails twice names the resources that would not go, why, and the way out (for the shared stack, the VPC
/// Link's network interfaces). An interrupt leaves a delete that has started to CloudFormation and says how to follow it.
/// </summary>
public sealed class StackDeleter(CloudFormationClient cloudFormation, string rerunCommand, StackDeleterOptions? options = null)
{
    readonly StackDeleterOptions options = options ?? new StackDeleterOptions();

    /// <summary>How many delete calls one stack gets in one run: the first, and one retry after a DELETE_FAILED.</summary>
    public const int Attempts = 2;

    public async Task<StackDeletion> DeleteAsync(StackToDelete stack, IStepLog log, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var name = stack.StackName;
        var deleteSent = false;
        var attemptsFailed = 0;
        try
        {
            var current = await cloudFormation.DescribeStackAsync(name, ct);
            if (current is null || current.Status == "DELETE_COMPLETE")
            {
                log.Info($"stack {name}: already gone.");
                return new StackDeletion(stack, StackDeletionState.AlreadyGone, clock.Elapsed, "already gone");
            }
            if (current.Status == "DELETE_IN_PROGRESS")
            {
                // Someone (an earlier, interrupted Destroy, say) already deletes it: follow that delete instead of starting one.
                log.Info($"stack {name}: already being deleted (DELETE_IN_PROGRESS); following that delete.");
                deleteSent = true;
                current = await WaitForDeleteAsync(stack, new HashSet<string>(), log, ct);
                if (current is null)
                    return Deleted(stack, clock, log, "deleted (a delete already running)");
                deleteSent = false;
            }
            else if (current.IsInProgress && current.Status != "REVIEW_IN_PROGRESS")
            {
                current = await WaitWhileBusyAsync(name, log, ct);
                if (current is null)
                    return new StackDeletion(stack, StackDeletionState.AlreadyGone, clock.Elapsed, "gone while waiting for it");
            }
            if (current.Status == "DELETE_FAILED")
                log.Warn($"stack {name} is in DELETE_FAILED from an earlier delete{Reason(current.StatusReason)}; deleting it again.");

            DeleteFailure? failure = null;
            AwsServiceException? refused = null;
            for (var attempt = 1; attempt <= Attempts; attempt++)
            {
                if (stack.HoldsVpcLink && attempt == 1)
                    log.Info($"stack {name}: deleting it. It holds the VPC Link, whose network interfaces API Gateway releases on its own schedule: " +
                             $"this delete often takes 20 minutes or more (waiting up to {Poll.Format(options.DeleteWait)}), and may end in DELETE_FAILED " +
                             "while the interfaces still hold the subnets and security groups; it is then retried once.");
                var before = await EventIdsAsync(name, ct);
                var started = DateTimeOffset.UtcNow;
                deleteSent = true;
                refused = null;
                try
                {
                    await cloudFormation.DeleteStackAsync(name, ct);
                }
                catch (AwsServiceException e) when (!ct.IsCancellationRequested && !IsTerminationProtection(e))
                {
                    // Refused outright (a state that does not allow a delete right now, a dependency a CloudFormation
                    // implementation checks at once): a failed attempt like a DELETE_FAILED, so it gets the same one retry.
                    refused = e;
                }
                var after = await WaitForDeleteAsync(stack, [.. before], log, ct, refused is not null);
                if (after is null && refused is not null)
                    log.Warn($"stack {name}: DeleteStack answered {refused.ErrorCode} ({refused.ErrorMessage.TrimEnd('.')}), but the stack is gone.");
                if (after is null)
                    return Deleted(stack, clock, log, (attempt, refused) switch
                    {
                        (_, not null) => "gone, although DeleteStack answered an error",
                        (1, _) => "",
                        _ => "deleted on the retry",
                    });
                deleteSent = false;
                attemptsFailed = attempt;
                failure = refused is null ? await DescribeFailureAsync(name, after, before, started, ct) : null;
                if (attempt < Attempts)
                {
                    log.Warn((refused is null
                                 ? $"stack {name}: DELETE_FAILED{Reason(after.StatusReason)}. {failure!.Describe()}"
                                 : $"stack {name}: the delete was refused ({refused.ErrorCode}: {refused.ErrorMessage}); the stack is {after.Status}. ") +
                             $"Retrying the delete once in {Poll.Format(options.RetryDelay)}: what held a resource (network interfaces, a deployment still draining) is often released by then.");
                    await Task.Delay(options.RetryDelay, ct);
                }
            }
            var advice = refused is null
                ? Explain(name, failure!, rerunCommand)
                : $"Stack {name} could not be deleted: CloudFormation refused the delete {Attempts} times ({refused.ErrorCode}: {refused.ErrorMessage}). " +
                  $"See its state and events (aws cloudformation describe-stack-events --stack-name {name}); check that the role may delete it and " +
                  $"what it holds (cloudformation:DeleteStack and the services' delete permissions). Then run {rerunCommand} --yes again.";
            log.Warn(advice);
            return new StackDeletion(stack, StackDeletionState.Failed, clock.Elapsed, advice);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            if (!deleteSent)
                return new StackDeletion(stack, StackDeletionState.NotStarted, clock.Elapsed, attemptsFailed == 0
                    ? "interrupted before its delete started; left as it is"
                    : "interrupted before the retry of its failed delete; left in DELETE_FAILED");
            var left = await LeftRunningAsync(name);
            log.Warn(left);
            return new StackDeletion(stack, StackDeletionState.InFlight, clock.Elapsed, left);
        }
        catch (PollTimeoutException e)
        {
            log.Warn(e.Message);
            return new StackDeletion(stack, StackDeletionState.Failed, clock.Elapsed, e.Message);
        }
        catch (AwsServiceException e) when (!ct.IsCancellationRequested)
        {
            var message = $"Stack {name}: {e.Message.TrimEnd('.')}" +
                          (IsTerminationProtection(e)
                              ? $". Turn termination protection off if the environment really is to go (aws cloudformation update-termination-protection --no-enable-termination-protection --stack-name {name}), then run {rerunCommand} --yes again."
                              : ". Nothing else of this stack was changed.");
            log.Warn(message);
            return new StackDeletion(stack, StackDeletionState.Failed, clock.Elapsed, message);
        }
    }

    static bool IsTerminationProtection(AwsServiceException e) =>
        e.ErrorMessage.Contains("TerminationProtection", StringComparison.OrdinalIgnoreCase);

    static StackDeletion Deleted(StackToDelete stack, Stopwatch clock, IStepLog log, string note)
    {
        log.Info($"stack {stack.StackName}: deleted.");
        return new StackDeletion(stack, StackDeletionState.Deleted, clock.Elapsed, note);
    }

    /// <summary>
    /// Follows a delete until the stack is gone (null) or in DELETE_FAILED, showing its new events as it goes. After a
    /// refused DeleteStack (<paramref name="refused"/>) it only looks whether the stack went anyway or is being deleted.
    /// </summary>
    async Task<StackDescription?> WaitForDeleteAsync(StackToDelete stack, HashSet<string> seen, IStepLog log, CancellationToken ct, bool refused = false)
    {
        var name = stack.StackName;
        using var inFlight = Interruption.InFlight(
            $"stack {name}: DELETE_IN_PROGRESS (a delete cannot be cancelled); follow it: aws cloudformation describe-stack-events --stack-name {name}");
        return await new Poll($"Stack {name}", options.DeleteWait, options.PollInterval)
        {
            Continues = "the delete continues in CloudFormation",
            Command = $"aws cloudformation describe-stack-events --stack-name {name}",
            NextStep = $"run {rerunCommand} again once it has finished",
            MaxInterval = options.MaxPollInterval,
        }.UntilAsync<StackDescription?>(
            async (_, ct) =>
            {
                var current = await cloudFormation.DescribeStackAsync(name, ct);
                if (current is not null)
                    await ShowNewEventsAsync(name, seen, log, ct);
                return current;
            },
            current => current is null || current.Status is "DELETE_COMPLETE" or "DELETE_FAILED" || (refused && !current.IsInProgress),
            current => current?.Status ?? "gone",
            ct,
            announce: current => log.Info(
                $"stack {name}: {current?.Status}; waiting up to {Poll.Format(options.DeleteWait)} for the delete to finish."))
            is { Status: not "DELETE_COMPLETE" } left ? left : null;
    }

    async Task ShowNewEventsAsync(string name, HashSet<string> seen, IStepLog log, CancellationToken ct)
    {
        foreach (var stackEvent in await EventsAsync(name, DateTimeOffset.UtcNow.AddMinutes(-10), ct))
            if (seen.Add(stackEvent.EventId))
                log.Detail($"{stackEvent.Timestamp:HH:mm:ss} {stackEvent.ResourceStatus,-20} {stackEvent.LogicalResourceId} ({stackEvent.ResourceType}){Reason(stackEvent.ResourceStatusReason)}");
    }

    /// <summary>A stack's events, or none once it is gone (DescribeStackEvents then answers "does not exist").</summary>
    async Task<IReadOnlyList<StackEvent>> EventsAsync(string name, DateTimeOffset since, CancellationToken ct)
    {
        try
        {
            return await cloudFormation.DescribeStackEventsAsync(name, since, ct);
        }
        catch (AwsServiceException e) when (e.ErrorCode == "ValidationError" && e.ErrorMessage.Contains("does not exist", StringComparison.Ordinal))
        {
            return [];
        }
    }

    async Task<HashSet<string>> EventIdsAsync(string name, CancellationToken ct) =>
        (await EventsAsync(name, DateTimeOffset.UtcNow.AddMinutes(-10), ct)).Select(e => e.EventId).ToHashSet();

    Task<StackDescription?> WaitWhileBusyAsync(string name, IStepLog log, CancellationToken ct) =>
        new Poll($"Stack {name}", options.BusyWait, options.PollInterval)
        {
            Continues = "that operation continues in CloudFormation",
            Command = $"aws cloudformation describe-stack-events --stack-name {name}",
            NextStep = $"run {rerunCommand} again once it has finished",
            MaxInterval = options.MaxPollInterval,
        }.UntilAsync(
            (_, ct) => cloudFormation.DescribeStackAsync(name, ct),
            current => current is null || !current.IsInProgress,
            current => $"busy ({current!.Status})",
            ct,
            announce: current => log.Info($"stack {name} is busy ({current!.Status}); waiting up to {Poll.Format(options.BusyWait)} for it to finish before deleting it."));

    /// <summary>The resources this attempt could not delete (its DELETE_FAILED events), with their physical ids.</summary>
    async Task<DeleteFailure> DescribeFailureAsync(string name, StackDescription stack, HashSet<string> seenBefore, DateTimeOffset started, CancellationToken ct)
    {
        var failed = (await EventsAsync(name, started.AddMinutes(-1), ct))
            .Where(e => !seenBefore.Contains(e.EventId) && e.ResourceStatus == "DELETE_FAILED")
            .Where(e => !(e.ResourceType == "AWS::CloudFormation::Stack" && e.LogicalResourceId == name))
            .GroupBy(e => e.LogicalResourceId)
            .Select(g => g.Last())
            .ToList();
        IReadOnlyList<StackResource> resources = [];
        if (failed.Count > 0)
        {
            try
            {
                resources = await cloudFormation.ListStackResourcesAsync(name, ct);
            }
            catch (AwsServiceException)
            {
                // Physical ids only make the message more precise; the logical ids are enough to act on.
            }
        }
        return new DeleteFailure(stack.StatusReason, failed
            .Select(e => new FailedResource(e.LogicalResourceId,
                resources.FirstOrDefault(r => r.LogicalId == e.LogicalResourceId)?.PhysicalId ?? "", e.ResourceType, e.ResourceStatusReason))
            .ToList());
    }

    /// <summary>Why a stack could not be deleted, and what to do: named resources, the VPC Link case, --retain-resources.</summary>
    public static string Explain(string stackName, DeleteFailure failure, string rerunCommand)
    {
        var lines = new List<string>
        {
            $"Stack {stackName} could not be deleted: DELETE_FAILED after {Attempts} attempts{Reason(failure.StackReason)}. " + failure.Describe().TrimEnd(),
        };
        var held = failure.Resources.Where(IsHeldByNetworkInterfaces).ToList();
        if (held.Count > 0)
        {
            var subnets = held.Where(r => r.Type == "AWS::EC2::Subnet" && r.PhysicalId.Length > 0).Select(r => r.PhysicalId).ToList();
            var groups = held.Where(r => r.Type == "AWS::EC2::SecurityGroup" && r.PhysicalId.Length > 0).Select(r => r.PhysicalId).ToList();
            var filter = subnets.Count > 0 ? $"Name=subnet-id,Values={string.Join(',', subnets)}"
                : groups.Count > 0 ? $"Name=group-id,Values={string.Join(',', groups)}"
                : "Name=vpc-id,Values=<the VPC's id>";
            lines.Add(
                "These are held by network interfaces (ENIs) still attached to them: a deleted VPC Link's interfaces are released by API Gateway " +
                "on its own schedule, often 20 minutes or more after the link is gone, and only then can the subnets and security groups go. " +
                $"See what still holds them: aws ec2 describe-network-interfaces --filters {filter} --query 'NetworkInterfaces[].[NetworkInterfaceId,InterfaceType,RequesterId,Description]'. " +
                $"Way out: wait until the VPC Link's interfaces are gone (they go by themselves), then run {rerunCommand} --yes again; " +
                "interfaces of anything else (a Lambda function, a VPC endpoint, a load balancer made outside these stacks) must be deleted first.");
        }
        foreach (var repository in failure.Resources.Where(r => r.Type == "AWS::ECR::Repository"))
            lines.Add($"Repository {Or(repository.PhysicalId, repository.LogicalId)} still holds images: delete it with them " +
                      $"(aws ecr delete-repository --force --repository-name {Or(repository.PhysicalId, "<name>")}), or keep it with --retain-resources below.");
        foreach (var bucket in failure.Resources.Where(r => r.Type == "AWS::S3::Bucket"))
            lines.Add($"Bucket {Or(bucket.PhysicalId, bucket.LogicalId)} is not empty: empty it (aws s3 rm s3://{Or(bucket.PhysicalId, "<bucket>")} --recursive), " +
                      "or keep it with --retain-resources below.");
        var logicalIds = failure.Resources.Count > 0 ? string.Join(' ', failure.Resources.Select(r => r.LogicalId)) : "<LogicalId> ...";
        lines.Add(
            $"A resource that cannot be deleted (or that you want to keep) can be left out: aws cloudformation delete-stack --stack-name {stackName} " +
            $"--retain-resources {logicalIds} (allowed for a stack in DELETE_FAILED); the stack then goes and those resources stay, owned by no stack, " +
            $"for you to delete or keep. Then run {rerunCommand} --yes again for the rest.");
        return string.Join("\n", lines);
    }

    static bool IsHeldByNetworkInterfaces(FailedResource resource) =>
        resource.Type is "AWS::EC2::Subnet" or "AWS::EC2::SecurityGroup" or "AWS::EC2::VPC" ||
        resource.Reason.Contains("DependencyViolation", StringComparison.OrdinalIgnoreCase) ||
        resource.Reason.Contains("has dependencies", StringComparison.OrdinalIgnoreCase) ||
        resource.Reason.Contains("network interface", StringComparison.OrdinalIgnoreCase);

    /// <summary>An interrupt does not stop CloudFormation: say what goes on, in which state, and how to follow it.</summary>
    async Task<string> LeftRunningAsync(string name)
    {
        var state = await cloudFormation.StatusForReportAsync(name, whenGone: "gone already");
        return $"stack {name}: interrupted while {state}; the delete continues in CloudFormation (a delete cannot be cancelled). " +
               $"Follow it: aws cloudformation describe-stack-events --stack-name {name} (or wait for it: aws cloudformation wait stack-delete-complete --stack-name {name}). " +
               $"Then run {rerunCommand} again for what is left.";
    }

    static string Or(string value, string fallback) => value.Length > 0 ? value : fallback;

    static string Reason(string reason) => string.IsNullOrWhiteSpace(reason) ? "" : $" ({reason})";
}

/// <summary>One stack of the environment to delete, and the stacks that must be gone before it.</summary>
/// <param name="Label">Short name in the log: the service's name, <c>shared</c>, <c>registry</c> or <c>app</c>.</param>
/// <param name="Status">Its status when the environment was read.</param>
/// <param name="After">Stacks deleted before this one (they read its values).</param>
public sealed record StackToDelete(string StackName, string Label, StackRole Role, string Status, IReadOnlyList<string> After)
{
    /// <summary>The shared stack, or the earlier single app stack: the one with the VPC Link, whose delete is slow.</summary>
    public bool HoldsVpcLink => Role is StackRole.Shared or StackRole.LegacyApp;
}

public enum StackRole
{
    /// <summary><c>apigw-&lt;env&gt;-&lt;service&gt;</c>, also one whose folder is gone from services/.</summary>
    Service,

    /// <summary><c>apigw-&lt;env&gt;-app</c>: the earlier single-stack layout, everything in one stack.</summary>
    LegacyApp,

    Shared,
    Registry,
}

public enum StackDeletionState
{
    Deleted,
    AlreadyGone,
    Failed,

    /// <summary>Left as it was: a stack deleted before it did not go, another stack failed first, or the run was interrupted.</summary>
    NotStarted,

    /// <summary>Its delete had started when the run was interrupted; it continues in CloudFormation.</summary>
    InFlight,
}

/// <summary>What became of one stack.</summary>
public sealed record StackDeletion(StackToDelete Stack, StackDeletionState State, TimeSpan Duration, string Note)
{
    public bool IsGone => State is StackDeletionState.Deleted or StackDeletionState.AlreadyGone;

    public string Describe() => State switch
    {
        StackDeletionState.Deleted => "deleted",
        StackDeletionState.AlreadyGone => "already gone",
        StackDeletionState.Failed => "FAILED",
        StackDeletionState.InFlight => "still deleting",
        _ => "not started",
    };
}

/// <summary>A resource a delete could not remove: logical and physical id, type, and CloudFormation's reason.</summary>
public sealed record FailedResource(string LogicalId, string PhysicalId, string Type, string Reason);

/// <summary>Why a delete ended in DELETE_FAILED: the stack's reason and the resources that stayed.</summary>
public sealed record DeleteFailure(string StackReason, IReadOnlyList<FailedResource> Resources)
{
    public string Describe() => Resources.Count == 0
        ? ""
        : "Resources not deleted: " + string.Join("; ", Resources.Select(r =>
            $"{r.LogicalId} ({r.Type}{(r.PhysicalId.Length > 0 ? " " + r.PhysicalId : "")}): {r.Reason}")) + ". ";
}

/// <summary>The bounds of a stack delete's waits.</summary>
public sealed record StackDeleterOptions
{
    /// <summary>How long a delete may take; the shared stack's (VPC Link network interfaces) often takes 20 minutes or more. Default 60 minutes.</summary>
    public TimeSpan DeleteWait { get; init; } = TimeSpan.FromMinutes(60);

    /// <summary>How long to wait for another operation on a stack to finish before deleting it. Default 30 minutes.</summary>
    public TimeSpan BusyWait { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Pause before the one retry of a delete that ended in DELETE_FAILED. Default 30 seconds.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often stack status and events are polled at first. Default 5 seconds.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The polling interval doubles up to this bound during a long delete. Default 30 seconds.</summary>
    public TimeSpan MaxPollInterval { get; init; } = TimeSpan.FromSeconds(30);
}
