using Pipeline.Build.Deployment;
using Pipeline.Build.Local;

namespace Pipeline.Build;

/// <summary>The values of the services' declared secrets must be there before a local deploy builds or starts anything.</summary>
public sealed partial class Build
{
    /// <summary>
    /// On the local platform, every secret of the selected services needs a value (environment or <c>.nuke/secrets.&lt;env&gt;.json</c>)
    /// before Deploy, Redeploy or UpdateServices runs: checked with the invocation, so a missing one costs no image build.
    /// On AWS the values live in SSM and Secrets Manager and ECS reads them itself.
    /// </summary>
    void ValidateLocalSecrets(IReadOnlyCollection<string> invokedTargets)
    {
        if (Platform != PlatformKind.Local)
            return;
        string[] startingServices = [nameof(Deploy), nameof(Redeploy), nameof(UpdateServices)];
        if (!invokedTargets.Any(t => startingServices.Contains(t, StringComparer.OrdinalIgnoreCase)))
            return;
        LocalPlatform.SecretStore(Settings).CheckComplete(SelectedServices);
    }
}
