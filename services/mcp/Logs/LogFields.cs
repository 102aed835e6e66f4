using System.Collections;

namespace Mcp.Server.Logs;

/// <summary>
/// The state of a log line whose fields carry the log contract's own names (<c>duration_ms</c>, <c>peer_service</c>), a
/// null among them: structured state every logging provider reads, whose text is the line's message.
/// </summary>
/// <param name="startedAt">For a line about a request or a call: when it began, which the line's <c>time</c> then says, as the
/// gateway's access log does, so the lines of one request sort as its calls were made (gateway, mcp, the call to fastapi).</param>
public sealed class LogFields(string message, IReadOnlyList<KeyValuePair<string, object?>> fields, DateTimeOffset? startedAt = null)
    : IReadOnlyList<KeyValuePair<string, object?>>
{
    public DateTimeOffset? StartedAt => startedAt;

    public static readonly Func<LogFields, Exception?, string> Format = (state, _) => state.ToString();

    public int Count => fields.Count;

    public KeyValuePair<string, object?> this[int index] => fields[index];

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => fields.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => message;
}
