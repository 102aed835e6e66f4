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

    public static async Task CopyAsync(IDockerClient docker, string container, int tail, bool follow, TextWriter output, CancellationToken cancellationToken)
    {
        var parameters = new ContainerLogsParameters
        {
            ShowStdout = true,
            ShowStderr = true,
            Tail = tail.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Follow = follow,
        };
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
