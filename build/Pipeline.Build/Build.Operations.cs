using Pipeline.Build.Engine;

namespace Pipeline.Build;

/// <summary>Day-two targets: what is running, its logs, and taking the local platform down.</summary>
public sealed partial class Build
{
    Target Status => _ => _
        .Description("Show each service: where it runs, the image tag it serves, its health and URL")
        .Executes(async () => await PlatformSteps().StatusAsync(Console.Out, Cancellation));

    Target Logs => _ => _
        .Description("Show recent logs of --service (with --follow, keep streaming until Ctrl+C)")
        .Executes(() => PlatformSteps().LogsAsync(Catalog[Service], Tail, Follow, Console.Out, Cancellation));

    Target Down => _ => _
        .Description("Stop and remove what the local platform started, and nothing else")
        .HoldsForTheRun(EnvironmentLock)
        .Executes(async () => await PlatformSteps().DownAsync(Log, Cancellation));
}
