#!/usr/bin/env node
// Connects to an MCP server the way an MCP client that does OAuth by itself does, with no token handed to it: the
// official TypeScript SDK gets the 401, follows resource_metadata to the authorization server, gets a token, then
// lists the tools and calls every one of them.
//
//   node build/tools/mcp-oauth-check.mjs client-credentials <mcp url> [<client id> <client secret>]
//       The SDK's ClientCredentialsProvider. The id and secret default to MCP_CLIENT_ID / MCP_CLIENT_SECRET, or to the
//       environment's client in artifacts/local/local-issuer.json (--credentials <file> names another).
//   node build/tools/mcp-oauth-check.mjs authorization-code <mcp url>
//       The authorization code flow with PKCE and dynamic client registration, driven headlessly: the redirect to the
//       authorization endpoint is fetched without a browser and the code read from its Location header. The local
//       issuer answers so only when it approves loopback redirects by itself (./build.sh Deploy --local-auth-auto-approve).
//
// Prints each OAuth step and one line per tool; exits 0 only when every tool answered without error, 1 when the flow or
// a call failed, 2 on a usage error or when the SDK is not installed.
import { readFileSync } from 'node:fs';
import { callEveryTool } from './mcp-tool-calls.mjs';

let Client, StreamableHTTPClientTransport, UnauthorizedError, ClientCredentialsProvider;
try {
  ({ Client } = await import('@modelcontextprotocol/sdk/client/index.js'));
  ({ StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js'));
  ({ UnauthorizedError } = await import('@modelcontextprotocol/sdk/client/auth.js'));
  ({ ClientCredentialsProvider } = await import('@modelcontextprotocol/sdk/client/auth-extensions.js'));
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
  console.error('mcp-oauth-check: the TypeScript MCP SDK (@modelcontextprotocol/sdk) is not installed under build/tools. ' +
    'Install the node tools once: npm ci --prefix build/tools (or sudo .ci/setup).');
  process.exit(2);
}

const args = process.argv.slice(2);
const credentialsIndex = args.indexOf('--credentials');
const credentialsFile = credentialsIndex >= 0 ? args.splice(credentialsIndex, 2)[1] : 'artifacts/local/local-issuer.json';
const [mode, endpointText, clientIdArgument, clientSecretArgument] = args;
const usage = 'usage: node build/tools/mcp-oauth-check.mjs client-credentials <mcp url> [<client id> <client secret>] [--credentials <local-issuer.json>]\n' +
  '       node build/tools/mcp-oauth-check.mjs authorization-code <mcp url>\n' +
  '  e.g. node build/tools/mcp-oauth-check.mjs client-credentials http://127.0.0.1:8080/api/mcp/mcp';
if (!['client-credentials', 'authorization-code'].includes(mode) || !endpointText) {
  console.error(usage);
  process.exit(2);
}
let endpoint;
try {
  endpoint = new URL(endpointText);
} catch {
  console.error(`mcp-oauth-check: '${endpointText}' is not a URL. Give the MCP endpoint, e.g. http://127.0.0.1:8080/api/mcp/mcp.`);
  process.exit(2);
}

const step = (text) => console.log(`oauth: ${text}`);
// Every request the SDK makes, one line each: the transcript of the flow.
const tracingFetch = async (url, init) => {
  const response = await fetch(url, init);
  const method = init?.method ?? 'GET';
  const challenge = response.headers.get('www-authenticate');
  step(`${method} ${url} -> ${response.status}${challenge ? ` (WWW-Authenticate: ${challenge})` : ''}`);
  return response;
};

const provider = mode === 'client-credentials' ? clientCredentialsProvider() : headlessAuthorizationCodeProvider();
let client;
try {
  client = await connect();
} catch (error) {
  console.error(`mcp-oauth-check: could not connect to ${endpoint} through OAuth: ${error.message}`);
  process.exit(1);
}
const tokens = await provider.tokens();
step(`connected with an access token of scope '${tokens?.scope ?? '(none given)'}'${tokens?.refresh_token ? ' and a refresh token' : ''}`);

process.exit(await callEveryTool(client, endpoint, 'mcp-oauth-check', ` (${mode})`) === 0 ? 0 : 1);

/**
 * A connected client. The authorization-code provider's first attempt ends at the redirect (UnauthorizedError) with the
 * code in hand; the transport then finishes the flow (the token request) and a new client connects with the tokens.
 */
async function connect() {
  const transport = new StreamableHTTPClientTransport(endpoint, { authProvider: provider, fetch: tracingFetch });
  const first = new Client({ name: 'mcp-oauth-check', version: '1.0.0' });
  try {
    await first.connect(transport);
    return first;
  } catch (error) {
    if (!(error instanceof UnauthorizedError) || !provider.authorizationCode) throw error;
  }
  step('exchanging the authorization code (transport.finishAuth)');
  await transport.finishAuth(provider.authorizationCode);
  const second = new Client({ name: 'mcp-oauth-check', version: '1.0.0' });
  await second.connect(new StreamableHTTPClientTransport(endpoint, { authProvider: provider, fetch: tracingFetch }));
  return second;
}

function clientCredentialsProvider() {
  let clientId = clientIdArgument ?? process.env.MCP_CLIENT_ID;
  let clientSecret = clientSecretArgument ?? process.env.MCP_CLIENT_SECRET;
  if (!clientId || !clientSecret) {
    try {
      const credentials = JSON.parse(readFileSync(credentialsFile, 'utf8'));
      ({ clientId, clientSecret } = credentials);
    } catch (error) {
      console.error(`mcp-oauth-check: no client id and secret given, and ${credentialsFile} cannot be read (${error.message}). ` +
        'Give them as arguments, in MCP_CLIENT_ID/MCP_CLIENT_SECRET, or run ./build.sh Deploy first.');
      process.exit(2);
    }
  }
  step(`ClientCredentialsProvider for client ${clientId}`);
  return new ClientCredentialsProvider({ clientId, clientSecret, clientName: 'mcp-oauth-check' });
}

/** An OAuthClientProvider without a browser: it registers dynamically and follows the authorization redirect with fetch. */
function headlessAuthorizationCodeProvider() {
  const redirectUrl = 'http://127.0.0.1:33418/callback';
  let clientInformation, tokens, codeVerifier;
  return {
    authorizationCode: undefined,
    get redirectUrl() { return redirectUrl; },
    get clientMetadata() {
      return {
        client_name: 'mcp-oauth-check (headless)',
        redirect_uris: [redirectUrl],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      };
    },
    state() { return 'mcp-oauth-check-state'; },
    clientInformation() { return clientInformation; },
    saveClientInformation(information) {
      clientInformation = information;
      step(`registered dynamically as client ${information.client_id}`);
    },
    tokens() { return tokens; },
    saveTokens(saved) { tokens = saved; },
    saveCodeVerifier(verifier) { codeVerifier = verifier; },
    codeVerifier() { return codeVerifier; },
    async redirectToAuthorization(authorizationUrl) {
      step(`authorization request ${authorizationUrl}`);
      const response = await fetch(authorizationUrl, { redirect: 'manual' });
      const location = response.headers.get('location');
      if (response.status !== 302 || !location) {
        const page = (await response.text()).replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
        throw new Error(`the authorization endpoint answered ${response.status} instead of redirecting with a code ` +
          `(${page.slice(0, 300)}). The local issuer redirects at once only with ./build.sh Deploy --local-auth-auto-approve.`);
      }
      const redirect = new URL(location);
      if (redirect.searchParams.get('error')) {
        throw new Error(`the authorization server refused: ${redirect.searchParams.get('error')}: ${redirect.searchParams.get('error_description')}`);
      }
      if (redirect.searchParams.get('state') !== 'mcp-oauth-check-state') throw new Error('the redirect did not echo the state');
      this.authorizationCode = redirect.searchParams.get('code');
      step(`redirected to ${redirect.origin}${redirect.pathname} with a code and the state`);
    },
  };
}
