using Pipeline.Build.Deployment;

namespace Pipeline.Build.Aws.History;

/// <summary>
/// What one Deploy or Redeploy on AWS did, gathered while it runs, for its deploy record and CI job summary: how each
/// stack ended, the version each service answered with through the API, and where promoted images came from.
/// </summary>
public sealed class DeployJobFacts
{
    /// <summary>The registry stack and the environment's stacks as DeployInfra left them (empty when it did not run).</summary>
    public IReadOnlyList<StackRun> Stacks { get; set; } = [];

    /// <summary>Every service HealthCheck confirmed (empty when it did not run or did not pass).</summary>
    public IReadOnlyList<ServiceHealth> Health { get; set; } = [];

    /// <summary>For a promotion: <c>dev/20261201T153012Z-3f2a</c>, the record whose images this run deployed.</summary>
    public string? PromotedFrom { get; set; }

    public IReadOnlyList<DeployedStack> StackResults() =>
        Stacks.Select(r => new DeployedStack(r.Plan.StackName, r.Describe(), Math.Round(r.Duration.TotalSeconds, 1), r.Note)).ToList();

    public IReadOnlyList<DeployedHealth> HealthResults() =>
        Health.Select(h => new DeployedHealth(h.Service, h.Url.ToString(), h.Version, Math.Round(h.Latency.TotalMilliseconds))).ToList();
}

/// <summary>One stack in a run: <c>created</c>, <c>updated</c>, <c>no changes</c>, <c>unchanged (skipped)</c>, <c>FAILED</c> or <c>not started</c>, and why.</summary>
public sealed record DeployedStack(string Stack, string Result, double Seconds, string Note);

/// <summary>One service's passed health check: the URL asked, the version it answered with, and how fast.</summary>
public sealed record DeployedHealth(string Service, string Url, string Version, double LatencyMs);
