using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Pipeline.Build.Local;

/// <summary>Reads a container's log (stdout and stderr, in order) as text lines.</summary>
public static class ContainerLogTail
{
    public static Task<IReadOnlyList<string>> ReadAsync(IDockerClient docker, string container, int lines, CancellationToken cancellationToken) =>
        ReadLinesAsync(docker, container, new ContainerLogsParameters
        {
            ShowStdout = true,
            ShowStderr = true,
            Tail = lines.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, cancellationToken);

    /// <summary>
    /// The lines <paramref name="parameters"/> select, up to now (with <c>Timestamps</c>, each starts with the engine's time of
    /// it); <c>Logs --follow</c> asks again for what came after.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ReadLinesAsync(IDockerClient docker, string container, ContainerLogsParameters parameters, CancellationToken cancellationToken)
    {
        parameters.Follow = false;
        using var stream = await docker.Containers.GetContainerLogsAsync(container, parameters, cancellationToken);
        var output = new StringBuilder();
        var buffer = new byte[16 * 1024];
        var decoder = Encoding.UTF8.GetDecoder();
        var chars = new char[Encoding.UTF8.GetMaxCharCount(buffer.Length)];
        while (true)
        {
            var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken);
            if (read.EOF)
                break;
            output.Append(chars, 0, decoder.GetChars(buffer, 0, read.Count, chars, 0));
        }
        return output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
    }
}
