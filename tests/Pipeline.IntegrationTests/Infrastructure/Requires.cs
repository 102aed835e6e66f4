namespace Pipeline.IntegrationTests.Infrastructure;

/// <summary>
/// Guards for tests and fixtures that need real components (see <see cref="Requirements"/>). Under <c>CI=true</c> a missing
/// component fails the test with a message saying how to provide it; elsewhere <see cref="RegistryFactAttribute"/> skips
/// the test with that reason.
/// </summary>
public static class Requires
{
    public const string LocalRegistry = Requirements.LocalRegistry;

    public static bool InCi => Pipeline.Build.Engine.ContinuousIntegration.IsOn;

    /// <summary>Fails the calling test loudly when the engine or the registry is missing.</summary>
    public static void DockerEngineAndRegistry()
    {
        if (Requirements.DockerEngineAndRegistry() is { } reason)
            Assert.Fail($"This test needs a Docker engine and a registry on {LocalRegistry}: {reason}");
    }
}
