using System.Diagnostics;
using System.Security.Cryptography;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Aws;

/// <summary>
/// Deploys an environment's stacks: each one after the stacks it depends on, independent ones concurrently up to a
/// bound, and a stack whose template and parameters equal what is deployed not at all (known from one DescribeStacks
/// listing, without a CloudFormation call per stack). A failed stack fails the run; stacks already running finish,
/// stacks not yet started are left untouched, and the summary says which is which. An interrupt starts no new stack either,
/// not even one waiting for a slot, and ends the deploy with an <see cref="OperationCanceledException"/>.
/// </summary>
public sealed class StackSetDeployer(StackDeployer deployer, IReadOnlyDictionary<string, StackDescription> deployed, int maxParallel)
{
    /// <summary>The stack tag that records the SHA-256 of the template the pipeline last deployed to the stack.</summary>
    public const string TemplateHashTag = "apigw:template-sha256";

    public async Task<IReadOnlyList<StackRun>> DeployAsync(IReadOnlyList<StackPlan> plans, bool dryRun, IStepLog log, CancellationToken ct)
    {
        var graph = new WorkGraph<StackPlan, StackRun>(maxParallel,
            UnknownDependencies.AreABug((stack, dependency) => $"Stack {stack} depends on {dependency}, which is not part of this deploy. This is a bug in the stack plan."),
            succeeded: run => run.State is not (StackRunState.Failed or StackRunState.NotStarted),
            notStarted: (plan, cause, dependency) => new StackRun(plan, StackRunState.NotStarted, TimeSpan.Zero, cause switch
            {
                NotStartedCause.DependencyDidNotSucceed => $"{dependency!.Label} did not deploy",
                NotStartedCause.AnotherFailedFirst => "another stack failed first; left untouched",
                _ => "interrupted before it started",
            }));
        var runs = await graph.RunAsync([.. plans.Select(p => new WorkUnit<StackPlan>(p.StackName, p.DependsOn, p))],
            // Stacks read each other's values through SSM parameters only: a dependency whose parameters did not change
            // gives this stack nothing new to read.
            (plan, dependencies, token) => DeployOneAsync(plan, dependencies.Any(d => d.PublishedValuesChanged), dryRun, new PrefixedStepLog(log, plan.Label), token),
            ct);
        ct.ThrowIfCancellationRequested();
        return runs;
    }

    async Task<StackRun> DeployOneAsync(StackPlan plan, bool dependencyChanged, bool dryRun, IStepLog log, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var templateHash = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(plan.TemplatePath, ct)));
        if (!dependencyChanged && IsDeployedAsPlanned(plan, templateHash))
        {
            log.Info($"stack {plan.StackName}: template and parameters as deployed; skipped without a CloudFormation call.");
            return new StackRun(plan, StackRunState.Unchanged, clock.Elapsed, "");
        }
        try
        {
            var parameters = new Dictionary<string, string>(plan.Parameters);
            if (plan.LiveParameters is not null)
                foreach (var (key, value) in await plan.LiveParameters(ct))
                    parameters[key] = value;
            var outcome = await deployer.DeployAsync(
                new StackDeployRequest(plan.StackName, plan.TemplatePath, parameters,
                    new Dictionary<string, string>(plan.Tags) { [TemplateHashTag] = templateHash }),
                dryRun, log, ct);
            var state = outcome.Kind switch
            {
                StackDeployKind.Created => StackRunState.Created,
                StackDeployKind.Updated => StackRunState.Updated,
                StackDeployKind.DryRun => StackRunState.DryRun,
                _ => StackRunState.NoChanges,
            };
            return new StackRun(plan, state, clock.Elapsed, dependencyChanged && state == StackRunState.NoChanges ? "checked after a dependency changed" : "")
            {
                PublishedValuesChanged = state == StackRunState.Created ||
                    (state == StackRunState.Updated && outcome.Changes.Any(c => c.ResourceType == "AWS::SSM::Parameter")),
            };
        }
        catch (PipelineException e) when (!ct.IsCancellationRequested)
        {
            log.Warn(e.Message);
            return new StackRun(plan, StackRunState.Failed, clock.Elapsed, e.Message);
        }
    }

    bool IsDeployedAsPlanned(StackPlan plan, string templateHash) =>
        deployed.TryGetValue(plan.StackName, out var stack) &&
        stack.Status is "CREATE_COMPLETE" or "UPDATE_COMPLETE" &&
        stack.Tags.GetValueOrDefault(TemplateHashTag) == templateHash &&
        plan.Parameters.All(p => stack.Parameters.GetValueOrDefault(p.Key) == p.Value);

    /// <summary>One line per stack: what happened, how long it took and why; then throws if any stack failed.</summary>
    public static void Summarize(IReadOnlyList<StackRun> runs, IStepLog log)
    {
        foreach (var line in WorkGraphTable.Lines(runs, run =>
                     (run.Plan.StackName, run.Describe(), run.State is StackRunState.Unchanged or StackRunState.NotStarted ? null : run.Duration, run.Note)))
            log.Info(line);

        var failures = runs.Where(r => r.State == StackRunState.Failed).ToList();
        if (failures.Count == 0)
            return;
        var completed = runs.Where(r => r.State is StackRunState.Created or StackRunState.Updated or StackRunState.NoChanges or StackRunState.Unchanged).Select(r => r.Plan.Label).ToList();
        var untouched = runs.Where(r => r.State == StackRunState.NotStarted).Select(r => r.Plan.Label).ToList();
        throw new PipelineException(
            string.Join("\n", failures.Select(f => f.Note)) +
            $"\nCompleted: {(completed.Count == 0 ? "none" : string.Join(", ", completed))}. " +
            $"Not started, left as they were: {(untouched.Count == 0 ? "none" : string.Join(", ", untouched))}. " +
            "Fix the failing resource and run the deploy again: the completed stacks are skipped as unchanged.");
    }
}

/// <summary>One stack of an environment to deploy.</summary>
/// <param name="Label">Short name in the log, e.g. <c>shared</c> or the service name.</param>
/// <param name="DependsOn">Stacks that must deploy first (their SSM parameters feed this one's).</param>
public sealed record StackPlan(
    string StackName,
    string Label,
    string TemplatePath,
    IReadOnlyDictionary<string, string> Parameters,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyList<string> DependsOn)
{
    /// <summary>
    /// Parameters read from what runs right now (a service's current desired count), asked only when the stack is
    /// deployed and never compared: they change on their own, and a stack is not "changed" because of them.
    /// </summary>
    public Func<CancellationToken, Task<IReadOnlyDictionary<string, string>>>? LiveParameters { get; init; }
}

public enum StackRunState
{
    Created,
    Updated,
    NoChanges,
    /// <summary>Template and parameters equal the deployed ones: no CloudFormation call was made.</summary>
    Unchanged,
    DryRun,
    Failed,
    /// <summary>Left as it was because a stack it depends on, or another stack, failed first.</summary>
    NotStarted,
}

public sealed record StackRun(StackPlan Plan, StackRunState State, TimeSpan Duration, string Note)
{
    public bool Changed => State is StackRunState.Created or StackRunState.Updated;

    /// <summary>The stack was created, or its update touched an SSM parameter that stacks depending on it read.</summary>
    public bool PublishedValuesChanged { get; init; }

    public string Describe() => State switch
    {
        StackRunState.Created => "created",
        StackRunState.Updated => "updated",
        StackRunState.NoChanges => "no changes",
        StackRunState.Unchanged => "unchanged (skipped)",
        StackRunState.DryRun => "dry run",
        StackRunState.Failed => "FAILED",
        _ => "not started",
    };
}
