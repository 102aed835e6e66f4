using Pipeline.IntegrationTests.Infrastructure;

namespace Pipeline.IntegrationTests.EndToEnd;

/// <summary>
/// One repository copy for the local-platform scenario. The first Deploy runs once, for whichever step needs it first,
/// so a step can also run on its own (a filtered run) and still start from a deployed platform.
/// </summary>
public sealed class LocalDeploymentFixture : IAsyncLifetime
{
    readonly SemaphoreSlim gate = new(1, 1);
    IsolatedDeployment? deployment;
    BuildScriptRun? firstDeploy;

    public IsolatedDeployment Deployment => deployment ?? throw new InvalidOperationException(
        "The end-to-end copy was not created: " + EndToEndRequirements.WhyNoLocalPlatform());

    public Task InitializeAsync()
    {
        if (Requires.InCi || EndToEndRequirements.WhyNoLocalPlatform() is null)
            deployment = IsolatedDeployment.Create();
        return Task.CompletedTask;
    }

    /// <summary>The first full Deploy of the copy; asserts it succeeded.</summary>
    public async Task<BuildScriptRun> DeployedAsync()
    {
        Requires.DockerEngineAndRegistry();
        await gate.WaitAsync();
        try
        {
            firstDeploy ??= await Deployment.RunLocalAsync("Deploy");
        }
        finally
        {
            gate.Release();
        }
        firstDeploy.ExitCode.Should().Be(0, firstDeploy.Describe());
        return firstDeploy;
    }

    public async Task DisposeAsync()
    {
        if (deployment is not null)
            await deployment.DisposeAsync();
    }
}
