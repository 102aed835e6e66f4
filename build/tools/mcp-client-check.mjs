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

// Meaningful arguments for the tools this repository's MCP server offers (services/mcp/Tools); any other tool gets
// arguments made from its input schema.
const knownArguments = {
  compute_statistics: { values: [4, 1, 3, 2] },
  analyze_text: { text: 'the quick brown fox jumps over the lazy dog\nthe end', top: 3 },
  hash_text: { text: 'abc', algorithm: 'sha256' },
  convert_temperature: { value: 100, from: 'C', to: 'F' },
};

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

let failed = 0;
try {
  const { tools } = await client.listTools();
  if (tools.length === 0) {
    console.error(`mcp-client-check: ${endpoint} lists no tools, so there is nothing to check.`);
    failed++;
  }

  const nameWidth = Math.max(0, ...tools.map((tool) => tool.name.length));
  for (const tool of tools) {
    const args = knownArguments[tool.name] ?? exampleFor(tool.inputSchema);
    try {
      const result = await client.callTool({ name: tool.name, arguments: args });
      if (result.isError) {
        failed++;
      }

      console.log(`${result.isError ? 'FAIL' : 'ok  '}  ${tool.name.padEnd(nameWidth)}  ${summary(result, { whole: result.isError })}`);
    } catch (error) {
      failed++;
      console.log(`FAIL  ${tool.name.padEnd(nameWidth)}  ${error.message}`);
    }
  }

  console.log(`mcp-client-check: ${tools.length - failed} of ${tools.length} tools answered without error at ${endpoint}`);
} catch (error) {
  failed++;
  console.error(`mcp-client-check: listing the tools of ${endpoint} failed: ${error.message}`);
} finally {
  await client.close();
}

process.exit(failed === 0 ? 0 : 1);

/** A value that satisfies a JSON schema: its default or first enum value, else the smallest value of its type. */
function exampleFor(schema) {
  if (!schema || typeof schema !== 'object') {
    return {};
  }

  if (schema.default !== undefined) {
    return schema.default;
  }

  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    return schema.enum[0];
  }

  const type = Array.isArray(schema.type) ? schema.type.find((candidate) => candidate !== 'null') : schema.type;
  switch (type) {
    case 'string':
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    case 'integer':
    case 'number':
      return schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 1);
    case 'boolean':
      return true;
    case 'array':
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () => exampleFor(schema.items));
    default: {
      // An object: its required properties, each with an example value.
      const value = {};
      for (const name of schema.required ?? []) {
        value[name] = exampleFor(schema.properties?.[name]);
      }

      return value;
    }
  }
}

/** One line about a tool result: its structured content, else its text; shortened unless it is an error, whose fix matters. */
function summary(result, { whole }) {
  const text = result.structuredContent !== undefined
    ? JSON.stringify(result.structuredContent)
    : (result.content ?? []).filter((block) => block.type === 'text').map((block) => block.text).join(' ');
  const line = text.replace(/\s+/g, ' ').trim();
  return whole || line.length <= 100 ? line : `${line.slice(0, 97)}...`;
}
