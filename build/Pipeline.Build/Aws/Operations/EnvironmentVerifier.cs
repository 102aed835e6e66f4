using System.Text;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws.Operations;

/// <summary>
/// The Verify step: is the environment, as it runs now, healthy and serving what its stacks say? Each service's health
/// route through the API must answer with the image tag its stack runs (<c>ImageTag&lt;Service&gt;</c>). Reads only
/// (DescribeStacks, and ListStackResources where an output is missing), so a read-only role may run it; a CI gate
/// between deploying one environment and promoting to the next.
/// </summary>
internal sealed class EnvironmentVerifier(CloudFormationClient cloudFormation, DeploySettings settings, Func<string, string?>? environmentVariable = null)
{

    public async Task VerifyAsync(Func<CancellationToken, Task<Uri>> healthBaseUrl, IStepLog log, CancellationToken ct)
    {
        var stacks = await cloudFormation.DescribeAllStacksAsync(ct);
        var running = new List<(ServiceManifest Service, string Tag)>();
        var missing = new List<string>();
        foreach (var service in settings.Catalog.Services)
        {
            var stack = DeploymentNames.ServiceStack(settings.Environment, service.Name);
            if (stacks.GetValueOrDefault(stack)?.Parameters.GetValueOrDefault(DeploymentNames.ImageTagParameter(service.Name)) is { Length: > 0 } tag)
                running.Add((service, tag));
            else
                missing.Add(stack);
        }
        if (missing.Count > 0)
            throw new PipelineException(
                $"Environment {settings.Environment} does not run every service: stack(s) {string.Join(", ", missing)} do not exist or carry no image tag. " +
                $"Deploy it first: ./build.sh Deploy --profile <profile of {settings.Environment}>.");

        var baseUrl = await healthBaseUrl(ct);
        foreach (var (service, tag) in running)
            log.Info($"{service.Name}: its stack runs image tag {tag}; checking {HealthChecker.HealthUrl(baseUrl, service)} serves it");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var health = await new HealthChecker(http) { DryRun = settings.DryRun }.CheckAsync(baseUrl, running, settings.HealthTimeout, log, ct);
        if (settings.DryRun)
            return;
        log.Info($"Environment {settings.Environment} is healthy: every service ({health.Count}) serves the image tag its stack runs.");
        await ContinuousIntegration.AppendToJobSummaryAsync(Markdown(settings.Environment, baseUrl, health), ct, environmentVariable);
    }

    internal static string Markdown(string environment, Uri baseUrl, IReadOnlyList<ServiceHealth> health)
    {
        var md = new StringBuilder($"### Health of {environment}: every service serves the image tag its stack runs\n\n**API endpoint:** {baseUrl}\n\n");
        md.Append("| Service | Version served | Latency | Health URL |\n|---|---|---|---|\n");
        foreach (var h in health)
            md.Append($"| {h.Service} | ✅ {h.Version} | {h.Latency.TotalMilliseconds:0} ms | {h.Url} |\n");
        return md.Append('\n').ToString();
    }
}
