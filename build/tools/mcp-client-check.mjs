#!/usr/bin/env node
// Checks an MCP server the way a TypeScript client sees it: the official TypeScript SDK connects over Streamable HTTP
// with a bearer token, lists the tools and calls every one of them with valid arguments.
//
//   node build/tools/mcp-client-check.mjs <mcp endpoint url> [token]
//   MCP_TOKEN=$(./build.sh Token | tail -1) node build/tools/mcp-client-check.mjs http://127.0.0.1:8080/api/mcp/mcp
//
// Prints one line per tool and exits 0 only when every tool answered without error; 1 when a call failed or the
// server could not be reached or refused the token; 2 on a usage error or when the SDK is not installed.
// Imported on demand so that a checkout without build/tools/node_modules (`.ci/setup deploy` installs no test tools)
// gets one line saying what to install instead of a module-resolution stack trace.
import { callEveryTool } from './mcp-tool-calls.mjs';

let Client, StreamableHTTPClientTransport;
try {
  ({ Client } = await import('@modelcontextprotocol/sdk/client/index.js'));
  ({ StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js'));
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
  console.error("mcp-client-check: the TypeScript MCP SDK (@modelcontextprotocol/sdk) is not installed under build/tools. " +
    'Install the node tools once: npm ci --prefix build/tools (or sudo .ci/setup, which does it with the other test tools).');
  process.exit(2);
}

const [endpointText, tokenArgument] = process.argv.slice(2);
const token = tokenArgument ?? process.env.MCP_TOKEN;
if (!endpointText || !token) {
  console.error('usage: node build/tools/mcp-client-check.mjs <mcp endpoint url> <token>   (or the token in MCP_TOKEN)');
  console.error('  e.g. node build/tools/mcp-client-check.mjs http://127.0.0.1:8080/api/mcp/mcp "$(./build.sh Token | tail -1)"');
  process.exit(2);
}

let endpoint;
try {
  endpoint = new URL(endpointText);
} catch {
  console.error(`mcp-client-check: '${endpointText}' is not a URL. Give the MCP endpoint, e.g. http://127.0.0.1:8080/api/mcp/mcp.`);
  process.exit(2);
}

const transport = new StreamableHTTPClientTransport(endpoint, {
  requestInit: { headers: { Authorization: `Bearer ${token}` } },
});
const client = new Client({ name: 'mcp-client-check', version: '1.0.0' });

try {
  await client.connect(transport);
} catch (error) {
  console.error(`mcp-client-check: cannot connect to ${endpoint}: ${error.message}`);
  console.error('  Check that the server runs and that the token is current and issued for this server (a 401 names the problem).');
  process.exit(1);
}

process.exit(await callEveryTool(client, endpoint, 'mcp-client-check') === 0 ? 0 : 1);
