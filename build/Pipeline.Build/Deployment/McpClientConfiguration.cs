using System.Text.Json;

namespace Pipeline.Build.Deployment;

/// <summary>
/// Ready-to-paste configuration of an MCP endpoint for the common MCP clients, as Deploy prints it: the URL alone where the
/// client registers itself (the local issuer has dynamic registration), the URL and a client id where it cannot (Cognito has
/// none, so each client is told the id of the environment's interactive app client).
/// </summary>
/// <remarks>
/// Where each client takes it: VS Code <c>.vscode/mcp.json</c> (<c>servers</c>), Claude Code <c>claude mcp add</c>,
/// Cursor <c>.cursor/mcp.json</c> (<c>mcpServers</c>, static client in <c>auth.CLIENT_ID</c>), Claude (claude.ai and Claude
/// Desktop) a custom connector, whose advanced settings take an OAuth client id, and the MCP Inspector's connection form.
/// </remarks>
public static class McpClientConfiguration
{
    /// <summary>The port Claude Code listens on for the OAuth redirect when given <c>--callback-port</c>; one of the interactive client's default callback URLs.</summary>
    public const int ClaudeCodeCallbackPort = 33419;

    /// <summary>For clients that find the issuer and register themselves: the URL is all they need.</summary>
    public static IReadOnlyList<string> ForUrlOnly(string name, Uri endpoint) =>
    [
        $"VS Code (.vscode/mcp.json): {VsCodeJson(name, endpoint)}",
        $"Claude Code: claude mcp add --transport http {name} {endpoint}",
        $"Cursor (.cursor/mcp.json): {Json(new { mcpServers = Entry(name, new { url = endpoint.ToString() }) })}",
        $"MCP Inspector: npx @modelcontextprotocol/inspector, transport Streamable HTTP, URL {endpoint}",
    ];

    /// <summary>For an issuer without dynamic registration: the URL and the public client id each client signs in as.</summary>
    public static IReadOnlyList<string> ForClientId(string name, Uri endpoint, string clientId) =>
    [
        $"VS Code (.vscode/mcp.json): {VsCodeJson(name, endpoint)}; when it asks for a client id, give {clientId} and no secret",
        $"Claude Code: claude mcp add --transport http --client-id {clientId} --callback-port {ClaudeCodeCallbackPort} {name} {endpoint}",
        $"Cursor (.cursor/mcp.json): {Json(new { mcpServers = Entry(name, new { url = endpoint.ToString(), auth = new Dictionary<string, string>(StringComparer.Ordinal) { ["CLIENT_ID"] = clientId } }) })}",
        $"Claude (claude.ai, Claude Desktop): Settings > Connectors > Add custom connector, URL {endpoint}, advanced settings: OAuth Client ID {clientId}",
        $"MCP Inspector: npx @modelcontextprotocol/inspector, transport Streamable HTTP, URL {endpoint}, authentication: client id {clientId}",
    ];

    static string VsCodeJson(string name, Uri endpoint) => Json(new { servers = Entry(name, new { type = "http", url = endpoint.ToString() }) });

    static Dictionary<string, object> Entry(string name, object server) => new(StringComparer.Ordinal) { [name] = server };

    static readonly JsonSerializerOptions Compact = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    static string Json(object value) => JsonSerializer.Serialize(value, Compact);
}
