using Docker.DotNet.Models;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Images;

/// <summary>Streams one build's messages to its log line by line, and keeps the last lines to show when the build fails.</summary>
sealed class BuildOutput(IStepLog log)
{
    public const int TailLength = 30;

    readonly Queue<string> tail = new();
    string pending = "";

    public string? Error { get; private set; }

    public string? ImageId { get; private set; }

    public IEnumerable<string> Tail => tail;

    public void Handle(JSONMessage message)
    {
        if (message.Error?.Message is { Length: > 0 } error)
            Error = error;
        if (message.Aux?.ExtensionData is { } aux && aux.TryGetValue("ID", out var id))
            ImageId = id?.ToString();
        if (message.Stream is { Length: > 0 } text)
        {
            pending += text;
            int newline;
            while ((newline = pending.IndexOf('\n')) >= 0)
            {
                Line(pending[..newline].TrimEnd('\r'));
                pending = pending[(newline + 1)..];
            }
        }
        else if (message.Status is { Length: > 0 } status && message.Progress is not { Current: not null })
            Line(message.ID is { Length: > 0 } layer ? $"{layer}: {status}" : status);
    }

    public void Flush()
    {
        if (pending.Length > 0)
            Line(pending);
        pending = "";
    }

    void Line(string line)
    {
        if (line.Trim().Length == 0)
            return;
        tail.Enqueue(line);
        while (tail.Count > TailLength)
            tail.Dequeue();
        if (line.StartsWith("Step ", StringComparison.Ordinal))
            log.Info(line);
        else
            log.Detail(line);
    }
}
