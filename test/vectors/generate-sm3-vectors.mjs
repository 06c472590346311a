// Produces sm3-vectors.json: ACS3-HMAC-SM3 requests exactly as the vendor's Node client signs them.
// Not run by the tests (the JSON is committed); run it by hand after a client upgrade:
//   node test/vectors/generate-sm3-vectors.mjs
// How: @alicloud/openapi-client with signatureAlgorithm 'ACS3-HMAC-SM3' calls a recording server
// on loopback. Its connections are redirected there so the signed host stays the cloud's
// (das.cn-shanghai.aliyuncs.com). The canonical request and string to sign are what the vendor's
// own OpenApiUtil.hash / signatureMethod were given while signing, recorded by wrapping them.
// x-acs-date and x-acs-signature-nonce are fixed through request headers, which the client lets override.
import { writeFileSync } from 'node:fs';
import { createServer, Agent } from 'node:http';
import { createRequire } from 'node:module';
import { createConnection } from 'node:net';

const require = createRequire(import.meta.url);
const OpenApiModule = require('@alicloud/openapi-client');
const OpenApiUtilModule = require('@alicloud/openapi-util');
const TeaUtilModule = require('@alicloud/tea-util');
const OpenApi = OpenApiModule.default;
const OpenApiUtil = OpenApiUtilModule.default;
const RuntimeOptions = TeaUtilModule.RuntimeOptions;

const ACCESS_KEY_ID = 'testAccessKeyId';
const ACCESS_KEY_SECRET = 'testAccessKeySecret';
const HOST = 'das.cn-shanghai.aliyuncs.com';
const ALGORITHM = 'ACS3-HMAC-SM3';
/** Transport headers the client or Node adds, none of them signed; left out of the vectors. */
const UNSIGNED_TRANSPORT = new Set(['user-agent', 'connection', 'content-length', 'transfer-encoding']);

const CASES = [
  {
    id: 'ali-sm3-empty-query',
    name: 'openapi-client ACS3-HMAC-SM3 GetMySQLAllSessionAsync with no parameters (empty query, empty body)',
    action: 'GetMySQLAllSessionAsync',
    date: '2026-03-02T09:40:00Z',
    nonce: '3c5e0b8f1a7d4e29b6c1f0a2d8e7b4c3',
    query: {},
  },
  {
    id: 'ali-sm3-special',
    name: 'openapi-client ACS3-HMAC-SM3 CreateKillInstanceSessionTask with reserved and non-ASCII characters and an empty value',
    action: 'CreateKillInstanceSessionTask',
    date: '2026-03-02T09:40:05Z',
    nonce: '9f2a6d4c8e1b0735a4c2e9f6b1d8a307',
    query: { InstanceId: 'rm-emulator0001', NodeId: '', DbUser: 'dbadmin', DbUserPassword: "Pa ss+w0rd!'()*~&=#%中", KillAllSessions: false, SessionIds: '[101,102]', IgnoredUsers: "['报表 用户','ops*~']" },
  },
  {
    id: 'ali-sm3-form-body',
    name: 'openapi-client ACS3-HMAC-SM3 CreateKillInstanceSessionTask with its parameters in a form body',
    action: 'CreateKillInstanceSessionTask',
    date: '2026-03-02T09:40:10Z',
    nonce: 'b7e4c1a9d3f6082e5a1c7b4d9e0f2a68',
    body: { InstanceId: 'rm-emulator0001', DbUser: 'dbadmin', DbUserPassword: 'Dbadmin#2026', KillAllSessions: false, SessionIds: '[101,102]' },
  },
];

// What the vendor's signer hashed and HMAC'd, in order.
const hashed = [];
const signed = [];
const hash = OpenApiUtil.hash;
OpenApiUtil.hash = (raw, algorithm) => (hashed.push(Buffer.from(raw).toString('utf8')), hash(raw, algorithm));
const signatureMethod = OpenApiUtil.signatureMethod;
OpenApiUtil.signatureMethod = (secret, source, algorithm) => (signed.push(source), signatureMethod(secret, source, algorithm));

const recorded = [];
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    recorded.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ RequestId: 'SM3-VECTOR', Code: 200, Message: 'Successful', Success: true, Data: '' }));
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
// Every connection goes to the recorder, whatever host the client asked for.
Agent.prototype.createConnection = (options, callback) => createConnection({ ...options, host: '127.0.0.1', port }, callback);

const client = new OpenApi(new OpenApiModule.Config({ accessKeyId: ACCESS_KEY_ID, accessKeySecret: ACCESS_KEY_SECRET, endpoint: HOST, protocol: 'http', regionId: 'cn-shanghai', signatureAlgorithm: ALGORITHM }));

const vectors = [];
for (const c of CASES) {
  hashed.length = 0;
  signed.length = 0;
  const request = new OpenApiModule.OpenApiRequest({
    headers: { 'x-acs-date': c.date, 'x-acs-signature-nonce': c.nonce },
    ...(c.query ? { query: OpenApiUtil.query(c.query) } : {}),
    ...(c.body ? { body: OpenApiUtil.query(c.body) } : {}),
  });
  const params = new OpenApiModule.Params({ action: c.action, version: '2020-01-16', protocol: 'HTTP', pathname: '/', method: 'POST', authType: 'AK', style: 'RPC', reqBodyType: 'formData', bodyType: 'json' });
  await client.callApi(params, request, new RuntimeOptions({}));
  const wire = recorded.at(-1);
  const url = new URL(wire.url, `http://${HOST}`);
  const headers = {};
  for (const [name, value] of Object.entries(wire.headers)) if (!UNSIGNED_TRANSPORT.has(name)) headers[name] = value;
  const authorization = headers.authorization;
  const auth = /^(\S+) Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]+)$/.exec(authorization);
  if (!auth || auth[1] !== ALGORITHM) throw new Error(`unexpected Authorization ${authorization}`);
  vectors.push({
    id: c.id,
    name: c.name,
    source: `@alicloud/openapi-client ${require('@alicloud/openapi-client/package.json').version} (signatureAlgorithm ${ALGORITHM}) POST`,
    client_call: `new OpenApi.Config({accessKeyId, accessKeySecret, endpoint: '${HOST}', protocol: 'http', regionId: 'cn-shanghai', signatureAlgorithm: '${ALGORITHM}'}); client.callApi(Params{action: '${c.action}', version: '2020-01-16', pathname: '/', method: 'POST', authType: 'AK', style: 'RPC', reqBodyType: 'formData', bodyType: 'json'}, OpenApiRequest{${c.query ? 'query' : 'body'}: OpenApiUtil.query(params)}, runtime)`,
    access_key_id: ACCESS_KEY_ID,
    access_key_secret: ACCESS_KEY_SECRET,
    request: { method: wire.method, host: headers.host, path: url.pathname, query: url.search.slice(1), headers, body: wire.body },
    decoded_query: Object.fromEntries(url.searchParams),
    signed_headers: auth[3],
    hashed_payload: headers['x-acs-content-sha256'],
    // The last text the signer hashed is the canonical request; the one it HMAC'd the string to sign.
    canonical_request: hashed.at(-1),
    string_to_sign: signed.at(-1),
    signature: auth[4],
    authorization,
  });
}
server.close();

const versions = Object.fromEntries(['@alicloud/openapi-client', '@alicloud/openapi-util', '@alicloud/tea-typescript', '@alicloud/tea-util', '@alicloud/credentials'].map((name) => [name, require(`${name}/package.json`).version]));
const document = {
  description:
    'Known-answer ACS3-HMAC-SM3 vectors: each request is the one @alicloud/openapi-client sent with signatureAlgorithm ACS3-HMAC-SM3, recorded on a loopback server (connections redirected there, so the signed host is the cloud one); canonical_request and string_to_sign are the texts the client\'s own OpenApiUtil.hash and signatureMethod were given. Produced by generate-sm3-vectors.mjs beside this file. Field meanings as in signature-vectors.json (alibaba_v3), with SM3 in place of SHA-256: hashed_payload = hex SM3(body), string_to_sign = "ACS3-HMAC-SM3\\n" + hex SM3(canonical_request), signature = hex HMAC-SM3(secret, string_to_sign).',
  format_version: 1,
  clients: { ...versions, node: process.version },
  fixed_inputs: 'x-acs-date and x-acs-signature-nonce are fixed per vector (request headers given to callApi); replaying a vector needs a clock at its x-acs-date and a fresh nonce store.',
  sm3_published: [
    { source: 'GB/T 32905-2016 appendix A, example 1', input: 'abc', sm3: '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0' },
    { source: 'GB/T 32905-2016 appendix A, example 2', input: 'abcd'.repeat(16), sm3: 'debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732' },
  ],
  alibaba_v3_sm3: vectors,
};
writeFileSync(new URL('./sm3-vectors.json', import.meta.url), JSON.stringify(document, null, 2) + '\n');
console.log(`wrote ${vectors.length} vectors`);
