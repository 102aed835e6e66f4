using System.Net.Sockets;
using Pipeline.Build.Engine;
using Pipeline.Build.Images;

namespace Pipeline.IntegrationTests.Infrastructure;

/// <summary>
/// Guards for tests that need real components. Under <c>CI=true</c> a missing component fails the test with a message
/// saying how to provide it; elsewhere <see cref="RequiresDockerFactAttribute"/> skips the test with that reason.
/// </summary>
public static class Requires
{
    public const string LocalRegistry = "127.0.0.1:5000";

    public static bool InCi => Pipeline.Build.Engine.ContinuousIntegration.IsOn;

    /// <summary>Why the Docker engine and the local registry cannot be used, or null when both answer.</summary>
    public static string? WhyNoDockerEngineAndRegistry()
    {
        try
        {
            using var engine = new DockerEngine();
            engine.ConnectAsync().GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            return e.Message;
        }
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            using var response = http.GetAsync($"http://{LocalRegistry}/v2/").GetAwaiter().GetResult();
            if (!response.IsSuccessStatusCode)
                return $"The registry at {LocalRegistry} answered {(int)response.StatusCode} on /v2/. Run .ci/setup to start a plain one.";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or SocketException)
        {
            return $"No registry answers at http://{LocalRegistry}/v2/ ({e.Message}). Run .ci/setup to start one.";
        }
        return null;
    }

    /// <summary>Fails the calling test loudly when the engine or the registry is missing.</summary>
    public static void DockerEngineAndRegistry()
    {
        if (WhyNoDockerEngineAndRegistry() is { } reason)
            Assert.Fail($"This test needs a Docker engine and a registry on {LocalRegistry}: {reason}");
    }
}
