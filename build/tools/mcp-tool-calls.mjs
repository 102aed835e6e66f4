// What both MCP client checks do once connected (mcp-client-check.mjs with a token handed to it, mcp-oauth-check.mjs
// after its own OAuth flow): list the tools and call every one of them with valid arguments, one line per tool.

// Meaningful arguments for the tools this repository's MCP server offers (services/mcp/Tools); any other tool gets
// arguments made from its input schema.
const knownArguments = {
  compute_statistics: { values: [4, 1, 3, 2] },
  analyze_text: { text: 'the quick brown fox jumps over the lazy dog\nthe end', top: 3 },
  hash_text: { text: 'abc', algorithm: 'sha256' },
  convert_temperature: { value: 100, from: 'C', to: 'F' },
};

/**
 * Lists the tools of a connected client and calls each; prints one line per tool and a closing count, closes the client.
 * @returns {Promise<number>} how many failed (a server without tools, or a listing that fails, counts as one).
 */
export async function callEveryTool(client, endpoint, checkName, suffix = '') {
  let failed = 0;
  try {
    const { tools } = await client.listTools();
    if (tools.length === 0) {
      console.error(`${checkName}: ${endpoint} lists no tools, so there is nothing to check.`);
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

    console.log(`${checkName}: ${tools.length - failed} of ${tools.length} tools answered without error at ${endpoint}${suffix}`);
  } catch (error) {
    failed++;
    console.error(`${checkName}: listing the tools of ${endpoint} failed: ${error.message}`);
  } finally {
    await client.close();
  }

  return failed;
}

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
