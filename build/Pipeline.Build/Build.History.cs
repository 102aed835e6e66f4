using Pipeline.Build.Aws.History;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Build.Local;
using Pipeline.Build.Reports;

namespace Pipeline.Build;

/// <summary>
/// Day-two targets on the deploy history every machine shares (in the account, not on this machine): History shows what
/// ran, Rollback goes back to the images of an earlier deploy. Deploy and Redeploy append their records when they end.
/// </summary>
public sealed partial class Build
{
    [Parameter("History: how many records to show, newest first", Minimum = 1)]
    public int Limit { get; set; } = 20;

    [Parameter("Rollback: the history id to go back to (default: the newest successful deploy whose images differ from what runs now)")]
    public string? To { get; set; }

    [Parameter("How many recent successful deploys of a service keep their images: each gets a deployed-<history id> tag the ECR lifecycle policy never expires",
        Minimum = 1, Maximum = 1000)]
    public int KeepDeployedImages { get; set; } = 10;

    const string ReadsTheHistory = "reads the deploy history an AWS account keeps";

    Target History => _ => _
        .Description("Show the deploy history of the environment, newest first: who deployed which images from which commit, and how it ended (--service, --limit, --format json)")
        .Requires(AwsEnvironment(ReadsTheHistory))
        .Executes(() => DeployHistoryReport.ShowAsync(AwsContext.Connection, DeployEnvironment,
            [.. SelectedServices.Select(s => s.Name)], Service != AllServices, Limit, Format, Console.Out, Log, Cancellation));

    Target Rollback => _ => _
        .Description("Switch --service (default all) back to the previous version while its deployment shifts traffic or bakes (AWS and local); otherwise " +
                     "return it to the images of an earlier successful deploy (--to <history id>, AWS), roll them and check their health")
        .Requires(AwsEnvironmentUnlessSwitchingBack)
        .HoldsForTheRun(EnvironmentLock.Unless(RollbackOnlySwitchesBackAsync))
        .Executes(() => Platform == PlatformKind.Aws
            ? new ServiceRollback(AwsContext, StackPlanner).RunAsync(SelectedServices, To, deploymentsToSwitchBack, Log, Cancellation)
            : ((LocalPlatform)PlatformSteps()).SwitchBackAsync(SelectedServices, Log, Cancellation));

    /// <summary>Locally a Rollback can only switch a rollout under way back: a record to return to (<c>--to</c>) is in an AWS account's history.</summary>
    Precondition AwsEnvironmentUnlessSwitchingBack =>
        new(() => Platform == PlatformKind.Aws || To is null,
            target => AwsProfileNeeded($"{target} --to {To}", ReadsTheHistory, profile => $"./build.sh {target} --to {To} --profile {profile}"));

    /// <summary>The deployments under way the Rollback switches back, looked up before the lock would be taken (null on a dry run: the step looks).</summary>
    IReadOnlyList<DeploymentUnderWay>? deploymentsToSwitchBack;

    /// <summary>
    /// Whether this Rollback only switches deployments under way back. Then it takes no lock: the Deploy or Redeploy following
    /// that deployment holds it, the switch changes no stack, and ECS serializes the stop with the deployment itself. Waiting
    /// for the lock would mean waiting for the very bake the user wants to cut short.
    /// </summary>
    async Task<bool> RollbackOnlySwitchesBackAsync(CancellationToken cancellation)
    {
        if (Platform != PlatformKind.Aws)
        {
            // Locally a Rollback does nothing else: with no rollout under way it fails without having touched anything.
            var underWay = await ((LocalPlatform)PlatformSteps()).RolloutsUnderWayAsync(SelectedServices, cancellation);
            if (underWay.Count > 0)
                Log.Info($"the environment lock is not taken: this rollback only switches back {string.Join(", ", underWay.Select(s => s.Name))}, " +
                         "whose rollout is under way (the run doing it holds the lock)");
            return true;
        }
        deploymentsToSwitchBack = await ServiceRollback.DeploymentsUnderWayAsync(AwsContext, SelectedServices, To, cancellation);
        if (deploymentsToSwitchBack.Count > 0)
            Log.Info($"the environment lock is not taken: this rollback only switches back {string.Join(", ", deploymentsToSwitchBack.Select(d => d.Service.Name))}, " +
                     "whose deployment is under way (the run following it holds the lock)");
        return deploymentsToSwitchBack.Count > 0;
    }

    /// <summary>Called from <see cref="ValidateInvocation"/>: combinations the day-two history targets cannot run with.</summary>
    void ValidateHistoryInvocation(IReadOnlyCollection<string> invokedTargets)
    {
        bool Invoked(string target) => invokedTargets.Contains(target, StringComparer.OrdinalIgnoreCase);
        if (Invoked(nameof(Rollback)) && (Invoked(nameof(Deploy)) || Invoked(nameof(Redeploy))))
            throw new PipelineException("Rollback runs on its own: it returns services to images that were deployed before. Run it without Deploy or Redeploy.");
        if (To is not null && !Invoked(nameof(Rollback)))
            throw new PipelineException($"--to {To} names the record a Rollback returns to; it does not apply to {string.Join(" ", invokedTargets)}.");
        if (Format == ReportFormat.Json && Invoked(nameof(Cost)))
            throw new PipelineException("Cost prints its estimate as text or markdown; it has no JSON form. Run ./build.sh Cost --format markdown, or leave --format out.");
    }
}
