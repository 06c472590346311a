import { collectionLinks, regionOfProject, type KeystoneOperation } from './keystone.js';

/**
 * `GET /v3/regions` (KeystoneListRegions): the regions of the fixtures' projects, all public. A
 * region-built SDK client asks for it when its region has no project; an unknown region then fails
 * in the client with "the region input is not supported to create project automatically".
 */
export const keystoneListRegions: KeystoneOperation = {
  name: 'KeystoneListRegions',
  method: 'GET',
  path: '/v3/regions',
  handle({ identities, query, origin }) {
    const ids = [...new Set(identities.allProjects().map((p) => regionOfProject(p.name)))];
    const regions = ids.map((id) => ({
      id,
      type: 'public',
      parent_region_id: null,
      description: '',
      locales: { 'zh-cn': id, 'en-us': id },
      links: { self: `${origin}/v3/regions/${id}` },
    }));
    return { status: 200, body: { links: collectionLinks(origin, '/v3/regions', query), regions } };
  },
};
