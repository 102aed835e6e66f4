using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Build.Reports;

namespace Pipeline.Build;

/// <summary>Day-two targets: what is running, its logs, and taking the local platform down.</summary>
public sealed partial class Build
{
    Target Status => _ => _
        .Description("Show each service: where it runs, the image tag it serves, its health and URL, and its requests, 4xx, 5xx, error rate and p50/p99 latency of the last 15 minutes")
        .Executes(async () => await PlatformSteps().StatusAsync(Console.Out, Cancellation));

    Target Logs => _ => _
        .Description("Show recent logs of --service, or of every service and the gateway; --request-id: every line of one request, in time order; " +
                     "--since, --follow (until Ctrl+C), --format json")
        .Executes(() => PlatformSteps().LogsAsync(
            new LogQuery(Service == AllServices ? null : Catalog[Service], RequestId, Since, Tail, Follow, Format == ReportFormat.Json ? LogFormat.Json : LogFormat.Text), Console.Out, Cancellation));

    Target Down => _ => _
        .Description("Stop and remove what the local platform started, and nothing else")
        .HoldsForTheRun(EnvironmentLock)
        .Executes(async () => await PlatformSteps().DownAsync(Log, Cancellation));
}
