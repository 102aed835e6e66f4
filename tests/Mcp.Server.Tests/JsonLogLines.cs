using System.Text.Json;
using Mcp.Server.Logs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mcp.Server.Tests;

/// <summary>
/// A logger that writes what it is given through the server's <see cref="JsonLineFormatter"/> into memory, as the console
/// would: the lines a class under test logs, without a server.
/// </summary>
public sealed class JsonLogLines(ServiceSettings settings) : ILogger
{
    private readonly JsonLineFormatter _formatter = new(settings);
    private readonly StringWriter _output = new();

    public string Text => _output.ToString();

    public IReadOnlyList<JsonElement> Lines => Parse(Text);

    public ILogger<T> For<T>() => new Typed<T>(this);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _formatter.Write(new LogEntry<TState>(logLevel, "Mcp.Server.Tests", eventId, state, exception, formatter), null, _output);

    public bool IsEnabled(LogLevel logLevel) => true;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    /// <summary>Each line of <paramref name="output"/> as the JSON object it must be; a line that is not one fails the test.</summary>
    public static IReadOnlyList<JsonElement> Parse(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line =>
            {
                try
                {
                    using var document = JsonDocument.Parse(line);
                    return document.RootElement.ValueKind == JsonValueKind.Object
                        ? document.RootElement.Clone()
                        : throw new Xunit.Sdk.XunitException($"A log line is JSON but not an object: {line}");
                }
                catch (JsonException exception)
                {
                    throw new Xunit.Sdk.XunitException($"A log line is not JSON ({exception.Message}): {line}");
                }
            })
            .ToList();

    private sealed class Typed<T>(JsonLogLines lines) : ILogger<T>
    {
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Log(logLevel, eventId, state, exception, formatter);

        public bool IsEnabled(LogLevel logLevel) => true;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;
    }
}
