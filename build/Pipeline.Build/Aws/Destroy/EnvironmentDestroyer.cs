using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws.Destroy;

/// <summary>
/// Deletes an AWS environment: its service stacks (a service's after those of the services that use it, independent ones
/// together up to a bound), then the shared stack, then its templates and deploy history in the template bucket. Shows what
/// goes before anything goes; a dry run stops there. An environment of which nothing is left is a no-op. Service stacks
/// read the shared stack's values through SSM parameters, so CloudFormation does not order these deletions: this class does.
/// <para>
/// The registry stack and its ECR repositories stay unless <see cref="EnvironmentDestroyRequest.IncludeImages"/> is set:
/// the images are the rollback path, and the repositories are retained by CloudFormation anyway, so deleting their stack
/// would free nothing and only leave them owned by no stack, for the next Deploy to import again (<see cref="RegistryAdoption"/>).
/// The template bucket stays too (emptied of this environment): S3 holds a deleted bucket's name back for hours, during
/// which the next Deploy could not create it again; with <see cref="EnvironmentDestroyRequest.IncludeImages"/> it goes
/// when no other environment has objects in it.
/// A protected environment (<see cref="DeletionProtectionCheck"/>) is refused before anything is deleted.
/// </para>
/// </summary>
public sealed class EnvironmentDestroyer(
    CloudFormationClient cloudFormation,
    EcrRepositories repositories,
    Func<CancellationToken, Task<TemplateStore?>> templateStore,
    EnvironmentDestroyRequest request,
    StackDeleterOptions? options = null)
{
    string Environment => request.Environment;

    /// <summary>The command that runs this Destroy again, e.g. <c>./build.sh Destroy --profile dev</c>.</summary>
    string Command => request.Command;

    /// <param name="confirm">Asked once what goes has been shown and before anything changes; throws to stop.</param>
    public async Task<EnvironmentDestroyOutcome> DestroyAsync(Func<CancellationToken, Task> confirm, IStepLog log, CancellationToken ct)
    {
        var store = await templateStore(ct);
        var inventory = await EnvironmentInventory.ReadAsync(cloudFormation, repositories, store, Environment, request.Catalog, ct);
        var repositoriesToDelete = request.IncludeImages ? inventory.Repositories : [];
        var keptRegistry = request.IncludeImages ? null : inventory.Stacks.FirstOrDefault(s => s.Role == StackRole.Registry);
        var stacksToDelete = inventory.Stacks.Where(s => s != keptRegistry).ToList();
        if (stacksToDelete.Count == 0 && inventory.TemplateKeys.Count == 0 && repositoriesToDelete.Count == 0)
        {
            log.Info(keptRegistry is null && inventory.Repositories.Count == 0
                ? $"Nothing of environment {Environment} exists in {request.Region}: no stack{(request.IncludeImages ? ", no repository" : "")}, no template. Nothing to delete."
                : $"Nothing of environment {Environment} is left to delete in {request.Region}: no stack{(keptRegistry is null ? "" : " but the registry stack")}, no template. Nothing to delete.");
            ReportKept(keptRegistry, inventory.Repositories, log, earlier: true);
            return new EnvironmentDestroyOutcome([], [], inventory.Repositories, null) { NothingExisted = true };
        }

        // Before anything is shown as going: a protected environment is refused whole, never half deleted.
        DeletionProtectionCheck.RefuseIfProtected(Environment, await DeletionProtectionCheck.ReadAsync(cloudFormation, inventory.Stacks, ct),
            request.DeletionProtection, Command);

        Show(inventory, stacksToDelete, keptRegistry, log);
        if (request.DryRun)
        {
            log.Info("Dry run: nothing was deleted.");
            return new EnvironmentDestroyOutcome([], [], request.IncludeImages ? [] : inventory.Repositories, null);
        }
        await confirm(ct);

        var deletions = await DeleteStacksAsync(stacksToDelete, log, ct);
        if (deletions.Count > 0)
            Summarize(deletions, log);
        if (ct.IsCancellationRequested)
        {
            ReportInterruption(deletions, log);
            throw new OperationCanceledException(ct);
        }
        var failed = deletions.Where(d => !d.IsGone).ToList();
        if (failed.Count > 0)
            throw new PipelineException(
                string.Join("\n", failed.Where(d => d.State == StackDeletionState.Failed).Select(d => d.Note)) +
                $"\nDeleted: {Labels(deletions.Where(d => d.IsGone))}. Not deleted, left as they were: {Labels(failed.Where(d => d.State != StackDeletionState.Failed))}. " +
                $"The repositories{(inventory.TemplateKeys.Count > 0 ? " and the templates in bucket " + inventory.Templates!.BucketName : "")} were not touched. " +
                $"Once the cause is fixed, run {Command} --yes again: what is gone already is skipped.");

        var deletedRepositories = new List<string>();
        foreach (var repository in repositoriesToDelete)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                if (await repositories.DeleteAsync(repository.Name, force: true, ct))
                    log.Info($"repository {repository.Name}: deleted with its {repository.DescribeImages()}.");
            }
            catch (AwsServiceException e) when (!ct.IsCancellationRequested)
            {
                throw new PipelineException(
                    $"Repository {repository.Name}: deleting it with its {repository.DescribeImages()} failed ({e.ErrorCode}: {e.ErrorMessage}). Every stack of " +
                    $"environment {Environment} is deleted{(deletedRepositories.Count > 0 ? $", and so are {string.Join(", ", deletedRepositories)}" : "")}. " +
                    $"Check that the role may do it (ecr:DeleteRepository, ecr:BatchDeleteImage), then run {Command} --yes --include-images again, " +
                    $"or delete it with: aws ecr delete-repository --force --repository-name {repository.Name} --region {request.Region}", e);
            }
            deletedRepositories.Add(repository.Name);
        }

        TemplateBucketCleanup? cleanup = null;
        if (store is not null && inventory.Templates is { Exists: true })
        {
            ct.ThrowIfCancellationRequested();
            cleanup = await store.RemoveAsync(inventory.TemplateKeys, deleteWhenEmpty: request.IncludeImages, log, ct, S3EnvironmentLockStore.KeyFor(Environment));
            if (!cleanup.BucketDeleted)
                log.Info($"template bucket {store.BucketName}: kept; " + (inventory.Templates.OtherObjects > 0
                    ? $"it holds the templates of other environments of this account in {request.Region} (it is shared by all of them)."
                    : "S3 holds a deleted bucket's name back for hours, and the next Deploy needs it (it goes with --include-images once no environment has objects in it)."));
        }

        var kept = request.IncludeImages ? [] : inventory.Repositories;
        log.Info($"Environment {Environment} is deleted from {request.Region}: {deletions.Count(d => d.State == StackDeletionState.Deleted)} stack(s)" +
                 (deletedRepositories.Count > 0 ? $", {deletedRepositories.Count} repositor{(deletedRepositories.Count == 1 ? "y" : "ies")}" : "") +
                 (cleanup is { DeletedObjects: > 0 } ? $", {cleanup.DeletedObjects} object(s) of the template bucket" : "") + ".");
        ReportKept(keptRegistry, kept, log, earlier: false);
        return new EnvironmentDestroyOutcome(deletions, deletedRepositories, kept, cleanup);
    }

    /// <summary>What goes, in which order, and what stays: printed before the prompt, and all a dry run does.</summary>
    void Show(EnvironmentInventory inventory, IReadOnlyList<StackToDelete> stacks, StackToDelete? keptRegistry, IStepLog log)
    {
        log.Info($"Destroy {(request.DryRun ? "would delete" : "deletes")} environment {Environment} in {request.Region}, in this order:");
        var step = 0;
        foreach (var stack in stacks)
        {
            var after = stack.After.Count == 0 ? ""
                : stack.Role is StackRole.Shared or StackRole.Registry ? $"after {(stack.Role == StackRole.Shared ? "every service stack" : "every other stack")}"
                : $"after {string.Join(", ", stack.After)} (which use{(stack.After.Count == 1 ? "s" : "")} it)";
            var what = stack.Role switch
            {
                StackRole.LegacyApp => "the earlier single-stack layout: everything of the environment in one stack",
                StackRole.Shared => "VPC, NAT, cluster, HTTP API and VPC Link; its delete often takes 20 minutes or more",
                StackRole.Registry => "its repositories are retained by CloudFormation",
                _ when request.Catalog.Find(stack.Label) is null => "a service no longer under services/",
                _ => "",
            };
            log.Info($"  {++step,2}. {stack.StackName,-32} {stack.Status,-20} {string.Join("; ", new[] { what, after }.Where(s => s.Length > 0))}".TrimEnd());
        }
        if (stacks.Count == 0)
            log.Info("  (no stack is left)");
        if (keptRegistry is not null)
            log.Info($"  stack {keptRegistry.StackName} ({keptRegistry.Status}): kept with its repositories, the images being the rollback path (add --include-images to delete it and them)");
        if (stacks.Any(s => s.Role == StackRole.Service) && request.MaxParallel > 1)
            log.Info($"  Service stacks that no remaining stack uses are deleted together, at most {request.MaxParallel} at a time (--max-parallel).");

        foreach (var repository in inventory.Repositories)
            log.Info($"  repository {repository.Name} ({repository.DescribeImages()}): " +
                     (request.IncludeImages ? $"{(request.DryRun ? "would be deleted" : "deleted")} with its images (--include-images)"
                         : $"kept with its images (add --include-images to delete it)"));

        if (inventory.Templates is { Exists: true } templates)
        {
            var history = inventory.HistoryRecords;
            var templateKeys = templates.EnvironmentKeys.Where(k => !k.StartsWith(EnvironmentInventory.HistoryPrefix(Environment), StringComparison.Ordinal)).ToList();
            log.Info($"  template bucket {templates.BucketName}: {templateKeys.Count} template(s)" +
                     (history > 0 ? $" and the deploy history ({history} record(s), s3://{templates.BucketName}/{EnvironmentInventory.HistoryPrefix(Environment)})" : "") +
                     $" of this environment {(request.DryRun ? "would be" : "are")} deleted{(templateKeys.Count == 0 ? "" : ":")}");
            foreach (var key in templateKeys.Take(20))
                log.Info($"      {key}");
            if (templateKeys.Count > 20)
                log.Info($"      ... and {templateKeys.Count - 20} more");
            log.Info(templates.OtherObjects > 0
                ? $"    the bucket itself stays: it is shared by every environment of this account and region, and holds {templates.OtherObjects} other object(s)."
                : request.IncludeImages
                    ? "    then the bucket itself: nothing else is in it (it is shared by every environment of this account and region; S3 holds its name back for hours)."
                    : "    the bucket itself stays, empty: S3 holds a deleted bucket's name back for hours, and the next Deploy needs it (--include-images deletes it).");
        }
    }

    /// <summary>
    /// Deletes the stacks: each once every stack in its <see cref="StackToDelete.After"/> is gone, independent ones at the
    /// same time up to <see cref="EnvironmentDestroyRequest.MaxParallel"/>. A failed stack stops new deletes; an interrupt
    /// starts none; deletes that have started are followed until they settle or the run is interrupted.
    /// </summary>
    async Task<IReadOnlyList<StackDeletion>> DeleteStacksAsync(IReadOnlyList<StackToDelete> stacks, IStepLog log, CancellationToken ct)
    {
        var deleter = new StackDeleter(cloudFormation, Command, options);
        var graph = new WorkGraph<StackToDelete, StackDeletion>(request.MaxParallel, UnknownDependencies.Ignored,
            succeeded: deletion => deletion.IsGone,
            notStarted: (stack, cause, before) => new StackDeletion(stack, StackDeletionState.NotStarted, TimeSpan.Zero, cause switch
            {
                NotStartedCause.DependencyDidNotSucceed => $"{before!.Label} was not deleted",
                NotStartedCause.AnotherFailedFirst => "another stack failed to delete first; left as it is",
                _ => "interrupted before its delete started",
            }));
        return await graph.RunAsync([.. stacks.Select(s => new WorkUnit<StackToDelete>(s.StackName, s.After, s))],
            (stack, _, token) => deleter.DeleteAsync(stack, new PrefixedStepLog(log, stack.Label), token), ct);
    }

    static void Summarize(IReadOnlyList<StackDeletion> deletions, IStepLog log)
    {
        foreach (var line in WorkGraphTable.Lines(deletions, deletion =>
                     (deletion.Stack.StackName, deletion.Describe(), deletion.State is StackDeletionState.NotStarted or StackDeletionState.AlreadyGone ? null : deletion.Duration, deletion.Note)))
            log.Info(line);
    }

    void ReportInterruption(IReadOnlyList<StackDeletion> deletions, IStepLog log)
    {
        var inFlight = deletions.Where(d => d.State == StackDeletionState.InFlight).ToList();
        var untouched = deletions.Where(d => d.State == StackDeletionState.NotStarted).ToList();
        log.Warn("Interrupted: no new delete was started.");
        foreach (var deletion in inFlight)
            log.Warn($"  {deletion.Stack.StackName}: its delete continues in CloudFormation; follow it: aws cloudformation describe-stack-events --stack-name {deletion.Stack.StackName}");
        log.Warn($"  Not started, left as they were: {(untouched.Count == 0 ? "none" : string.Join(", ", untouched.Select(d => d.Stack.StackName)))}; " +
                 "repositories and templates untouched.");
        log.Warn($"  Run {Command} --yes again{(inFlight.Count > 0 ? " once those deletes have finished" : "")}: it deletes what is left and skips what is gone.");
    }

    /// <summary>The registry stack and repositories that stay, and the exact commands that remove them.</summary>
    void ReportKept(StackToDelete? keptRegistry, IReadOnlyList<RepositoryContents> kept, IStepLog log, bool earlier)
    {
        if (kept.Count == 0 && keptRegistry is null)
            return;
        log.Info((keptRegistry is null
                     ? $"Kept{(earlier ? " (their stack is gone; repositories outlive it, and the next Deploy adopts them)" : " (repositories outlive their stack)")}: "
                     : $"Kept: stack {keptRegistry.StackName} with its repositories (the next Deploy uses them as they are): ") +
                 (kept.Count == 0 ? "no repository." : string.Join(", ", kept.Select(r => $"{r.Name} ({r.DescribeImages()})")) + "."));
        log.Info($"  Delete them with their images: {Command} --yes --include-images");
        // A repository deleted by hand under a kept stack would leave the stack naming what is gone: only --include-images then.
        if (keptRegistry is null)
            foreach (var repository in kept)
                log.Info($"  or: aws ecr delete-repository --force --repository-name {repository.Name} --region {request.Region}");
    }

    static string Labels(IEnumerable<StackDeletion> deletions)
    {
        var labels = deletions.Select(d => d.Stack.Label).ToList();
        return labels.Count == 0 ? "none" : string.Join(", ", labels);
    }
}

/// <summary>Which environment to destroy, and how.</summary>
/// <param name="Command">The command that runs this Destroy again (without --yes), e.g. <c>./build.sh Destroy --profile dev</c>.</param>
public sealed record EnvironmentDestroyRequest(string Environment, ServiceCatalog Catalog, string Region, string Command)
{
    /// <summary>Delete the ECR repositories too, with every image in them.</summary>
    public bool IncludeImages { get; init; }

    public bool DryRun { get; init; }

    /// <summary>How many independent stacks are deleted at once.</summary>
    public int MaxParallel { get; init; } = 4;

    /// <summary>The run's <c>DeletionProtection</c> setting: on, Destroy refuses even what is not protected yet (the next Deploy would protect it).</summary>
    public bool DeletionProtection { get; init; }
}

/// <summary>What a Destroy did: each stack, the repositories deleted and kept, the template bucket.</summary>
public sealed record EnvironmentDestroyOutcome(
    IReadOnlyList<StackDeletion> Stacks,
    IReadOnlyList<string> DeletedRepositories,
    IReadOnlyList<RepositoryContents> KeptRepositories,
    TemplateBucketCleanup? Templates)
{
    /// <summary>Nothing of the environment was there to delete (a second Destroy).</summary>
    public bool NothingExisted { get; init; }
}
