import type { FixtureDocument, RamPolicy } from '../../../fixtures/schema.js';

/** The RAM identity an AccessKey belongs to. */
export interface AlibabaPrincipal {
  readonly accountUid: string;
  readonly name: string;
  readonly type: 'RootUser' | 'SubUser';
  readonly policies: readonly RamPolicy[];
}

export interface AccessKey {
  readonly id: string;
  readonly secret: string;
  readonly active: boolean;
  readonly principal: AlibabaPrincipal;
}

/** AccessKeys by id, from the fixtures. Secrets live only here, in memory. */
export class AccessKeyDirectory {
  private readonly keys = new Map<string, AccessKey>();

  constructor(fixtures: FixtureDocument) {
    this.load(fixtures);
  }

  load(fixtures: FixtureDocument): void {
    this.keys.clear();
    for (const account of fixtures.alibaba.accounts) {
      for (const identity of account.identities) {
        const principal: AlibabaPrincipal = { accountUid: account.uid, name: identity.name, type: identity.type, policies: identity.policies };
        for (const key of identity.accessKeys) {
          this.keys.set(key.id, { id: key.id, secret: key.secret, active: key.status === 'Active', principal });
        }
      }
    }
  }

  get(id: string): AccessKey | undefined {
    return this.keys.get(id);
  }
}
