using Docker.DotNet;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Local;

/// <summary>Shows a service's container log: the last lines, and with <c>follow</c> everything after until cancelled.</summary>
public sealed class LocalLogs(IDockerClient docker, LocalPlatformNaming? naming = null)
{
    readonly LocalPlatformNaming naming = naming ?? LocalPlatformNaming.Default;

    public async Task ShowAsync(ServiceManifest service, int tail, bool follow, TextWriter output, CancellationToken cancellationToken)
    {
        var container = naming.ContainerName(service.Name);
        try
        {
            await ContainerLogTail.CopyAsync(docker, container, tail, follow, output, cancellationToken);
        }
        catch (DockerContainerNotFoundException)
        {
            throw new PipelineException(
                $"Service '{service.Name}' has no local container ({container}). Start it with ./build.sh Deploy, then ask for its logs again.");
        }
    }
}
