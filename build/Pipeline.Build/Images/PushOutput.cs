using Docker.DotNet.Models;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Images;

/// <summary>Follows one push: reports each layer once it is settled, counts what travelled, and picks up the digest.</summary>
sealed class PushOutput(IStepLog log, RegistryCredentials? credentials)
{
    public string? Error { get; private set; }

    public string? Digest { get; private set; }

    public int LayersSent { get; private set; }

    public int LayersAlreadyThere { get; private set; }

    public void Handle(JSONMessage message)
    {
        if (message.Error?.Message is { Length: > 0 } error)
            Error = error;
        if (message.Aux?.ExtensionData is { } aux && aux.TryGetValue("Digest", out var digest))
            Digest = digest?.ToString();
        if (message.Status is not { Length: > 0 } status || message.Progress is { Current: not null })
            return;
        if (status == "Pushed")
            LayersSent++;
        else if (status == "Layer already exists" || status.StartsWith("Mounted from", StringComparison.Ordinal))
            LayersAlreadyThere++;
        else if (status is "Preparing" or "Waiting" or "Pushing")
            return;
        var line = message.ID is { Length: > 0 } layer ? $"{layer}: {status}" : status;
        log.Detail(credentials?.Redact(line) ?? line);
    }
}
