namespace Mcp.Server;

/// <summary>
/// Which browser origins may talk to the MCP endpoint. The MCP transport spec requires servers to
/// validate <c>Origin</c> so a web page cannot use a visitor's browser to reach a local or private server
/// (DNS rebinding). Requests without an <c>Origin</c> header (non-browser clients) are always allowed.
/// </summary>
/// <remarks>
/// An entry is an exact origin (<c>https://app.example.com</c>), <c>*</c> for any origin, or an origin
/// ending in <c>*</c>, which stands for "with or without a port" only: <c>http://localhost*</c> accepts
/// <c>http://localhost:6274</c> but not <c>http://localhost.evil.example</c>.
/// </remarks>
public sealed class OriginPolicy
{
    public static OriginPolicy Default { get; } = Parse("http://localhost*,http://127.0.0.1*");

    private readonly IReadOnlyList<string> _entries;

    private OriginPolicy(IReadOnlyList<string> entries) => _entries = entries;

    public IReadOnlyList<string> Entries => _entries;

    /// <summary>Reads a comma-separated list such as the <c>ALLOWED_ORIGINS</c> variable.</summary>
    public static OriginPolicy Parse(string commaSeparated) =>
        new(commaSeparated
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(entry => entry == "*" ? entry : entry.TrimEnd('/').ToLowerInvariant())
            .ToArray());

    /// <summary>Whether a request carrying this <c>Origin</c> header value may proceed.</summary>
    public bool Allows(string? origin)
    {
        if (origin is null)
        {
            return true;
        }

        var normalized = origin.Trim().TrimEnd('/').ToLowerInvariant();
        return _entries.Any(entry => Matches(entry, normalized));
    }

    private static bool Matches(string entry, string origin)
    {
        if (entry == "*")
        {
            return true;
        }

        if (!entry.EndsWith('*'))
        {
            return entry == origin;
        }

        var stem = entry[..^1];
        if (!origin.StartsWith(stem, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = origin[stem.Length..];
        return rest.Length == 0 || (rest[0] == ':' && rest.Length > 1 && rest[1..].All(char.IsAsciiDigit));
    }

    public override string ToString() => string.Join(",", _entries);
}
