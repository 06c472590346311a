import { z } from 'zod';
import { keystoneError, type KeystoneResult } from '../iam/keystone.js';
import type { HuaweiIdentities } from './identities.js';
import type { TokenStore } from './tokens.js';

const named = z.object({ id: z.string().min(1).optional(), name: z.string().min(1).optional() }).refine((v) => v.id !== undefined || v.name !== undefined, 'needs id or name');

const tokenRequest = z.object({
  auth: z.object({
    identity: z.object({
      methods: z.array(z.string()).refine((m) => m.includes('password'), 'only the password method is supported'),
      password: z.object({
        user: z.object({ name: z.string().min(1), password: z.string(), domain: named }),
      }),
    }),
    scope: z.object({ project: named }),
  }),
});

/** Password method, project scope; the token goes in X-Subject-Token and lives 24 hours. */
export function createToken(body: unknown, identities: HuaweiIdentities, tokens: TokenStore, now: number): KeystoneResult {
  const parsed = tokenRequest.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    return keystoneError(400, 'Bad Request', `The request body is invalid: ${issues}`, issues);
  }
  const user = parsed.data.auth.identity.password.user;
  const login = identities.login(user.domain.id ?? user.domain.name!, user.name, user.password);
  if ('refused' in login) return keystoneError(401, 'Unauthorized', 'The username or password is wrong.', login.refused);
  const principal = login.principal;
  const scope = parsed.data.auth.scope.project;
  const project = scope.id !== undefined ? identities.project(scope.id) : identities.projectByName(principal.domainId, scope.name!);
  if (!project || !principal.projects.has(project.id)) {
    const asked = JSON.stringify(scope.id ?? scope.name);
    return keystoneError(401, 'Unauthorized', 'The project does not exist or does not belong to the user\'s account.', project ? `project ${asked} belongs to another account` : `no project ${asked} in the fixtures`);
  }
  const { token, issued } = tokens.issue(principal, project.id, now);
  const domainRef = { id: principal.domainId, name: principal.domainName };
  return {
    status: 201,
    headers: { 'x-subject-token': token },
    body: {
      token: {
        methods: ['password'],
        issued_at: new Date(issued.issuedAt).toISOString(),
        expires_at: new Date(issued.expiresAt).toISOString(),
        user: { name: principal.userName, domain: domainRef },
        project: { id: project.id, name: project.name, domain: domainRef },
        roles: [],
        catalog: [],
      },
    },
  };
}
