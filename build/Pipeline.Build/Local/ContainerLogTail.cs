using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Pipeline.Build.Local;

/// <summary>Reads a container's log (stdout and stderr, in order) as text lines.</summary>
public static class ContainerLogTail
{
    public static async Task<IReadOnlyList<string>> ReadAsync(IDockerClient docker, string container, int lines, CancellationToken cancellationToken)
    {
        var output = new StringWriter();
        await CopyAsync(docker, container, lines, follow: false, output, cancellationToken);
        return output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
    }

    /// <summary>The lines <paramref name="parameters"/> select (with <c>Timestamps</c>, each starts with the engine's time of it).</summary>
    public static async Task<IReadOnlyList<string>> ReadLinesAsync(IDockerClient docker, string container, ContainerLogsParameters parameters, CancellationToken cancellationToken)
    {
        var output = new StringWriter();
        parameters.Follow = false;
        await CopyAsync(docker, container, parameters, output, cancellationToken);
        return output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
    }

    public static Task CopyAsync(IDockerClient docker, string container, int tail, bool follow, TextWriter output, CancellationToken cancellationToken) =>
        CopyAsync(docker, container, new ContainerLogsParameters
        {
            ShowStdout = true,
            ShowStderr = true,
            Tail = tail.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Follow = follow,
        }, output, cancellationToken);

    static async Task CopyAsync(IDockerClient docker, string container, ContainerLogsParameters parameters, TextWriter output, CancellationToken cancellationToken)
    {
        var follow = parameters.Follow == true;
        using var stream = await docker.Containers.GetContainerLogsAsync(container, parameters, cancellationToken);
        var buffer = new byte[16 * 1024];
        var decoder = Encoding.UTF8.GetDecoder();
        var chars = new char[Encoding.UTF8.GetMaxCharCount(buffer.Length)];
        while (true)
        {
            MultiplexedStream.ReadResult read;
            try
            {
                read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken);
            }
            catch (OperationCanceledException) when (follow && cancellationToken.IsCancellationRequested)
            {
                break;
            }
            if (read.EOF)
                break;
            var count = decoder.GetChars(buffer, 0, read.Count, chars, 0);
            await output.WriteAsync(chars.AsMemory(0, count), CancellationToken.None);
            if (follow)
                await output.FlushAsync(CancellationToken.None);
        }
    }
}
