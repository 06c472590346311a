import { collectionLinks, keystoneError, type KeystoneOperation } from './keystone.js';

const FILTERS = ['name', 'domain_id', 'parent_id', 'enabled', 'is_domain'] as const;

/**
 * `GET /v3/projects` (KeystoneListProjects): the caller's account's projects, filtered by the query.
 * Region-built SDK clients without a project id call it with `?name=<region>` and take the one
 * project it returns; an unknown region is an empty list, as IAM answers.
 */
export const keystoneListProjects: KeystoneOperation = {
  name: 'KeystoneListProjects',
  method: 'GET',
  path: '/v3/projects',
  handle({ identities, caller, query, origin }) {
    const filter = Object.fromEntries(FILTERS.flatMap((name) => (query.has(name) ? [[name, query.get(name)!]] : [])));
    for (const name of ['enabled', 'is_domain'] as const) {
      if (filter[name] !== undefined && filter[name] !== 'true' && filter[name] !== 'false') {
        return keystoneError(400, 'Bad Request', `Invalid input for field '${name}': ${JSON.stringify(filter[name])} is not a boolean.`);
      }
    }
    const projects = identities
      .allProjects()
      // A credential sees its own account's projects only; with --auth off, every account's.
      .filter((p) => caller === undefined || p.domainId === caller.principal.domainId)
      .map((p) => ({
        id: p.id,
        name: p.name,
        domain_id: p.domainId,
        parent_id: p.domainId,
        is_domain: false,
        enabled: true,
        description: '',
        links: { self: `${origin}/v3/projects/${p.id}` },
      }))
      .filter(
        (p) =>
          (filter.name === undefined || p.name === filter.name) &&
          (filter.domain_id === undefined || p.domain_id === filter.domain_id) &&
          (filter.parent_id === undefined || p.parent_id === filter.parent_id) &&
          (filter.enabled === undefined || String(p.enabled) === filter.enabled) &&
          (filter.is_domain === undefined || String(p.is_domain) === filter.is_domain),
      );
    return { status: 200, body: { links: collectionLinks(origin, '/v3/projects', query), projects } };
  },
};
