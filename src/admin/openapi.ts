import { z } from 'zod';
import { VERSION } from '../package.js';
import { exportDocumentSchema } from '../journal-export.js';
import { verifySchema } from '../verify/schema.js';
import * as schemas from './schemas.js';

const body = (schema: z.ZodType) => ({ required: true, content: { 'application/json': { schema: z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) } } });
const queryParams = (schema: z.ZodObject) =>
  Object.entries(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }).properties ?? {}).map(([name, schema]) => ({ name, in: 'query', required: false, schema }));
const pathParam = (name: string, description: string) => ({ name, in: 'path', required: true, schema: { type: 'string' }, description });
const ok = (description: string) => ({ '200': { description }, '4XX': { $ref: '#/components/responses/Error' } });
const instanceParams = [pathParam('id', 'instance id'), { name: 'nodeId', in: 'query', required: false, schema: { type: 'string' }, description: 'a PolarDB node; default the primary' }];
const sessionParams = [...instanceParams, pathParam('sessionId', 'thread id')];

/** The control API as OpenAPI 3.1, built from the same zod schemas the routes parse with. */
export function openApiDocument(): object {
  return {
    openapi: '3.1.0',
    info: { title: 'das-emulator control API', version: VERSION, description: 'Inspect, steer and break the emulator from a test suite. With --admin-token, every route wants Authorization: Bearer <token>.' },
    servers: [{ url: '/_emulator' }],
    components: {
      securitySchemes: { adminToken: { type: 'http', scheme: 'bearer' } },
      responses: {
        Error: {
          description: 'A refused request: 400 invalid_request, 401 unauthorized, 404 not_found, 409 conflict; 502 backend_unavailable when a bound server does not answer',
          content: { 'application/json': { schema: { type: 'object', properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, required: ['code', 'message'] } } } } },
        },
      },
    },
    security: [{ adminToken: [] }, {}],
    paths: {
      '/health': { get: { summary: 'Liveness and readiness (503 while the data file cannot be written), version, providers, store and its state, backends', responses: ok('healthy') } },
      '/openapi.json': { get: { summary: 'This document', responses: ok('the document') } },
      '/reset': { post: { summary: 'Everything, or one instance, back to the loaded fixtures (never kills on a real server)', requestBody: { ...body(schemas.resetBodySchema), required: false }, responses: ok('reset') } },
      '/state': { get: { summary: "Instances, nodes, sessions (a Redis instance's node: its clients; a Huawei instance: its automatic kill's switch and tasks), tasks with results, registered DB users (never passwords), fault rules", responses: ok('the state') } },
      '/instances': {
        get: { summary: 'Every loaded instance: provider, owner, engine, nodes, and whether it comes from the fixtures or was created at run time', responses: ok('instances') },
        post: {
          summary: 'Create an instance of its own for one test: an instance fixture whose id is made up when omitted; with "from", every field not given is copied from that loaded instance (sessions, DB accounts, binding). Lasts until deleted, other fixtures are loaded, or the emulator stops',
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', description: 'an instance fixture (fixtures/schema.json, instances[]) with optional id and owner, plus optional "from"' } } } },
          responses: { '201': { description: 'created' }, '4XX': { $ref: '#/components/responses/Error' } },
        },
      },
      '/instances/{id}': { delete: { summary: 'Remove an instance created at run time, with its sessions, tasks, DB users and fault rules (409 for a fixture instance)', parameters: [pathParam('id', 'instance id')], responses: ok('deleted') } },
      '/instances/{id}/sessions': {
        get: { summary: "A node's sessions (a bound node: the live listing)", parameters: instanceParams, responses: ok('sessions') },
        post: { summary: 'Add a simulated session (409 on a bound node)', parameters: instanceParams, requestBody: body(schemas.sessionInputSchema), responses: { '201': { description: 'added' }, '4XX': { $ref: '#/components/responses/Error' } } },
      },
      '/instances/{id}/sessions/{sessionId}': {
        patch: { summary: 'Change a simulated session', parameters: sessionParams, requestBody: body(schemas.sessionPatchSchema), responses: ok('changed') },
        delete: { summary: 'Remove a simulated session', parameters: sessionParams, responses: ok('removed') },
      },
      '/instances/{id}/clients': {
        get: { summary: "A Redis instance's client connections as CLIENT LIST shows them (a bound instance: the live listing; 409 for another engine)", parameters: [pathParam('id', 'instance id')], responses: ok('clients') },
        post: { summary: 'Add a simulated Redis client (409 on a bound instance or another engine)', parameters: [pathParam('id', 'instance id')], requestBody: body(schemas.redisClientInputSchema), responses: { '201': { description: 'added' }, '4XX': { $ref: '#/components/responses/Error' } } },
      },
      '/instances/{id}/clients/{clientId}': { delete: { summary: 'Remove a simulated Redis client', parameters: [pathParam('id', 'instance id'), pathParam('clientId', 'client id')], responses: ok('removed') } },
      '/tasks': { get: { summary: 'Kill tasks, newest first', parameters: queryParams(schemas.taskQuerySchema), responses: ok('tasks') } },
      '/tasks/{id}': { get: { summary: 'One task with its results', parameters: [pathParam('id', 'task id')], responses: ok('the task') } },
      '/tasks/{id}/finish': { post: { summary: 'End a running simulated task now with its recorded outcome', parameters: [pathParam('id', 'task id')], responses: ok('the finished task') } },
      '/faults': {
        get: { summary: 'Fault rules', responses: ok('rules') },
        post: { summary: "Add a fault rule; error.code must be in the provider's catalog; retryAfterMs (x-acs-retry-after) only on an Alibaba throttling answer", requestBody: body(schemas.faultRuleSchema), responses: { '201': { description: 'added' }, '4XX': { $ref: '#/components/responses/Error' } } },
        delete: { summary: 'Remove every rule, or those of one instance', parameters: queryParams(schemas.faultDeleteQuerySchema), responses: ok('removed') },
      },
      '/faults/{id}': { delete: { summary: 'Remove one rule', parameters: [pathParam('id', 'rule id')], responses: ok('removed') } },
      '/journal': {
        get: { summary: 'The last requests to the clouds’ APIs, oldest first (secrets never recorded)', parameters: queryParams(schemas.journalQuerySchema), responses: ok('entries') },
        delete: { summary: 'Clear the journal', responses: ok('cleared') },
      },
      '/journal/export': { get: { summary: 'The journal as a versioned JSON document, each entry with the request a replay sends (secrets ******; docs/journal-export.md)', responses: ok('the document') } },
      '/journal/replay': { post: { summary: 'Send each entry of an export again through the normal pipeline, authentication off; answers per entry (body at most 16 MiB, 10000 entries)', requestBody: body(exportDocumentSchema), responses: ok('per-entry results') } },
      '/verify': {
        post: {
          summary: 'Assert on the journal: requests of an operation whose params match, how many (default at least one), no contract warnings. 409 verification_failed with what matched and the nearest misses',
          requestBody: body(verifySchema),
          responses: { '200': { description: 'verified' }, '409': { description: 'not verified: message, entries, nearMisses, warnings' }, '4XX': { $ref: '#/components/responses/Error' } },
        },
      },
      '/contract-warnings': { get: { summary: 'Strict mode (--strict): parameters the vendor does not define for their operation, or sent twice, request by request', responses: ok('warnings') } },
      '/requests/{requestId}': { get: { summary: 'One journaled request by the id the client saw, with why it was refused (what an Alibaba Recommend links to)', parameters: [pathParam('requestId', 'request id, any letter case')], responses: ok('the request') } },
      '/operations': { get: { summary: 'Every operation of both clouds the emulator routes: method, path, signing, RAM/IAM action, fault rules, use of a real server', responses: ok('operations') } },
      '/fixtures': { post: { summary: 'Load a fixture document (validated like the file) and reset everything to it', requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', description: 'a fixture document, as fixtures/default.json' } } } }, responses: ok('loaded') } },
    },
  };
}
