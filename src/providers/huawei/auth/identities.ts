import { sameSecret } from '../../../same-secret.js';
import type { FixtureDocument, IamPolicy } from '../../../fixtures/schema.js';

/** An IAM user of a Huawei account (domain), and the projects it may reach. */
export interface HuaweiPrincipal {
  readonly domainId: string;
  readonly domainName: string;
  readonly userName: string;
  readonly type: 'RootUser' | 'IAMUser';
  readonly policies: readonly IamPolicy[];
  readonly projects: ReadonlySet<string>;
}

export interface HuaweiAccessKey {
  readonly ak: string;
  readonly sk: string;
  readonly active: boolean;
  readonly principal: HuaweiPrincipal;
}

interface UserEntry {
  readonly principal: HuaweiPrincipal;
  readonly password: string | undefined;
}

/** AK/SKs, users with passwords and project ownership, from the fixtures. Secrets stay in memory. */
export class HuaweiIdentities {
  private readonly keys = new Map<string, HuaweiAccessKey>();
  private readonly users = new Map<string, UserEntry>();
  private readonly projectNames = new Map<string, { id: string; name: string; quota: number; domainId: string }>();

  constructor(fixtures: FixtureDocument) {
    this.load(fixtures);
  }

  load(fixtures: FixtureDocument): void {
    this.keys.clear();
    this.users.clear();
    this.projectNames.clear();
    for (const account of fixtures.huawei.accounts) {
      const projects = new Set(account.projects.map((p) => p.id));
      for (const project of account.projects) this.projectNames.set(project.id, { id: project.id, name: project.name, quota: project.cloudDbaQuota, domainId: account.domainId });
      for (const user of account.users) {
        const principal: HuaweiPrincipal = { domainId: account.domainId, domainName: account.domainName, userName: user.name, type: user.type, policies: user.policies, projects };
        const entry = { principal, password: user.password };
        this.users.set(userKey(account.domainName, user.name), entry);
        this.users.set(userKey(account.domainId, user.name), entry);
        for (const key of user.accessKeys) this.keys.set(key.ak, { ak: key.ak, sk: key.sk, active: key.status === 'Active', principal });
      }
    }
  }

  accessKey(ak: string): HuaweiAccessKey | undefined {
    return this.keys.get(ak);
  }

  /** A user by domain name or id and password; otherwise why not (for the log: the answer is the same for every reason). */
  login(domain: string, userName: string, password: string): { principal: HuaweiPrincipal } | { refused: string } {
    const entry = this.users.get(userKey(domain, userName));
    if (!entry) {
      const known = [...this.users.keys()].some((key) => key.startsWith(`${domain}\u0000`));
      return { refused: known ? `domain ${JSON.stringify(domain)} has no user ${JSON.stringify(userName)}` : `no domain ${JSON.stringify(domain)} (by name or id) in the fixtures` };
    }
    if (entry.password === undefined) return { refused: `user ${JSON.stringify(userName)} of domain ${JSON.stringify(domain)} has no password in the fixtures` };
    return sameSecret(entry.password, password) ? { principal: entry.principal } : { refused: `wrong password for user ${JSON.stringify(userName)} of domain ${JSON.stringify(domain)}` };
  }

  user(domain: string, userName: string): HuaweiPrincipal | undefined {
    return this.users.get(userKey(domain, userName))?.principal;
  }

  project(id: string): { id: string; name: string; quota: number; domainId: string } | undefined {
    return this.projectNames.get(id);
  }

  projectByName(domainId: string, name: string): { id: string; name: string; quota: number } | undefined {
    return [...this.projectNames.values()].find((p) => p.domainId === domainId && p.name === name);
  }

  /** Every project of every account, in fixture order (IAM's listings filter them by domain). */
  allProjects(): ReadonlyArray<{ id: string; name: string; domainId: string }> {
    return [...this.projectNames.values()];
  }
}

const userKey = (domain: string, user: string) => `${domain}\u0000${user}`;

