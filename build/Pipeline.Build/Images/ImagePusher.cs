using System.Diagnostics;
using Docker.DotNet;
using Docker.DotNet.Models;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Images;

/// <summary>
/// Pushes images from the local engine to their registry, all at once. A tag the registry already has is not pushed;
/// otherwise the engine sends only the layers the registry lacks. Passwords never reach the log.
/// </summary>
public sealed class ImagePusher(DockerEngine engine, RegistryClient registry)
{
    public async Task<IReadOnlyList<ImagePushResult>> PushAsync(
        IReadOnlyList<ServiceImage> images, RegistryCredentials? credentials, bool dryRun, IStepLog log,
        CancellationToken cancellationToken = default)
    {
        var pushes = images.Select(image => PushOneAsync(image, credentials, dryRun, new PrefixedStepLog(log, image.Service.Name), cancellationToken)).ToList();
        return await PerService.RunAllAsync(pushes, cancellationToken);
    }

    async Task<ImagePushResult> PushOneAsync(
        ServiceImage image, RegistryCredentials? credentials, bool dryRun, IStepLog log, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        string? digest;
        try
        {
            digest = await registry.TryGetDigestAsync(image.Repository, image.Tag, credentials, cancellationToken);
        }
        catch (PipelineException e) when (dryRun)
        {
            log.Warn($"cannot tell whether the registry has {image.Reference}: {e.Message}");
            digest = null;
        }
        if (digest is not null)
        {
            log.Info($"{image.Reference} already in the registry ({digest}); not pushed");
            return new ImagePushResult(image with { Digest = digest }, ImagePushOutcome.AlreadyInRegistry, clock.Elapsed);
        }
        if (dryRun)
        {
            log.Info($"would push {image.Reference}");
            return new ImagePushResult(image, ImagePushOutcome.WouldPush, clock.Elapsed);
        }

        var docker = await engine.ConnectAsync(cancellationToken);
        try
        {
            await docker.Images.InspectImageAsync(image.Reference, cancellationToken);
        }
        catch (DockerImageNotFoundException)
        {
            throw new PipelineException(
                $"{image.Service.Name}: image {image.Reference} is not in the local engine, so it cannot be pushed. " +
                $"Build it first (./build.sh BuildImages --service {image.Service.Name}) and retry.");
        }

        log.Info($"pushing {image.Reference}");
        var output = new PushOutput(log, credentials);
        var authorization = credentials is null
            ? new AuthConfig()
            : new AuthConfig { Username = credentials.Username, Password = credentials.Password, ServerAddress = credentials.Server };
        try
        {
            await docker.Images.PushImageAsync(
                image.Repository, new ImagePushParameters { Tag = image.Tag }, authorization,
                new SynchronousProgress<JSONMessage>(output.Handle), cancellationToken);
        }
        catch (DockerApiException e)
        {
            output.Handle(new JSONMessage { Error = new JSONError { Message = e.ResponseBody is { Length: > 0 } body ? body.Trim() : e.Message } });
        }
        if (output.Error is not null)
            throw PushFailed(image, output.Error, credentials);

        digest = output.Digest ?? await registry.TryGetDigestAsync(image.Repository, image.Tag, credentials, cancellationToken)
            ?? throw new PipelineException(
                $"{image.Service.Name}: the engine pushed {image.Reference} but the registry does not list it. Check the registry's storage and retry.");
        log.Info($"pushed {image.Reference} ({digest}) in {clock.Elapsed.TotalSeconds:0.0} s: " +
                 $"{output.LayersSent} layer(s) sent, {output.LayersAlreadyThere} already there");
        return new ImagePushResult(image with { Digest = digest }, ImagePushOutcome.Pushed, clock.Elapsed, output.LayersSent, output.LayersAlreadyThere);
    }

    static PipelineException PushFailed(ServiceImage image, string error, RegistryCredentials? credentials)
    {
        var message = credentials?.Redact(error) ?? error;
        var host = RegistryClient.SplitRepository(image.Repository).Host;
        var next = message.Contains("unauthorized", StringComparison.OrdinalIgnoreCase) ||
                   message.Contains("denied", StringComparison.OrdinalIgnoreCase) ||
                   message.Contains("authentication required", StringComparison.OrdinalIgnoreCase)
            ? $"The registry refused the credentials{(credentials is null ? " (none were given)" : $" for user '{credentials.Username}'")}: log in again (ECR tokens last 12 hours) and retry."
            : message.Contains("connection refused", StringComparison.OrdinalIgnoreCase) ||
              message.Contains("no such host", StringComparison.OrdinalIgnoreCase) ||
              message.Contains("timeout", StringComparison.OrdinalIgnoreCase)
                ? $"Registry {host} is not reachable from the engine: start it (on a CI machine .ci/setup starts one on 127.0.0.1:5000) or pass the right one with --registry, then retry."
                : $"Check registry {host} is healthy and has room, then retry.";
        return new PipelineException($"{image.Service.Name}: pushing {image.Reference} failed: {message}. {next}");
    }
}

public enum ImagePushOutcome
{
    /// <summary>Pushed by this run (only the layers the registry lacked were sent).</summary>
    Pushed,

    /// <summary>The registry already had this tag: nothing sent.</summary>
    AlreadyInRegistry,

    /// <summary>Dry run: would have been pushed.</summary>
    WouldPush,
}

/// <summary>What happened to one image; <see cref="ServiceImage.Digest"/> is the registry's manifest digest (null only in a dry run).</summary>
public sealed record ImagePushResult(ServiceImage Image, ImagePushOutcome Outcome, TimeSpan Duration, int LayersSent = 0, int LayersAlreadyThere = 0);
