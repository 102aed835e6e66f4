using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;

namespace Pipeline.Build;

/// <summary>Tearing an environment down: the service and shared stacks on AWS (the registry with its images on request), containers and images locally.</summary>
public sealed partial class Build
{
    [Parameter("Destroy, Unlock: act without asking for the environment's name (required under CI and without an interactive console)")]
    public bool Yes { get; set; }

    [Parameter("Destroy: also delete the registry stack and its ECR repositories with every image in them (kept otherwise: the images are the rollback path)")]
    public bool IncludeImages { get; set; }

    Target Destroy => _ => _
        .Description("Delete the environment: service stacks, shared and its templates on AWS (the registry stack and its repositories with --include-images); " +
                     "containers, gateway and images locally. Asks for the environment's name unless --yes")
        .HoldsForTheRun(EnvironmentLock)
        .Executes(DestroyAsync);

    async Task DestroyAsync()
    {
        var confirmation = EnvironmentConfirmation.FromConsole(DeployEnvironment, Yes, DestroyCommand);
        // Before anything is looked at: under CI or without a console, a Destroy without --yes stops here.
        if (!DryRun)
            confirmation.RequireSomeoneToConfirm();
        await PlatformSteps().DestroyAsync(confirmation, IncludeImages, Log, Cancellation);
    }

    /// <summary>This Destroy as the user would type it again (without --yes).</summary>
    string DestroyCommand => CommandFor(nameof(Destroy));
}
