import { createHash, randomBytes } from 'node:crypto';
import type { FixtureDocument } from '../../../fixtures/schema.js';
import type { HuaweiIdentities, HuaweiPrincipal } from './identities.js';

/** IAM tokens live 24 hours. */
export const TOKEN_LIFETIME_MS = 24 * 60 * 60 * 1000;

export interface IssuedToken {
  readonly principal: HuaweiPrincipal;
  readonly projectId: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

/**
 * Project-scoped tokens: those the token route issued, and those the fixtures list. Tokens are
 * kept by their SHA-256 only, and only in memory: a restart invalidates issued tokens.
 */
export class TokenStore {
  private readonly tokens = new Map<string, IssuedToken>();

  constructor(
    fixtures: FixtureDocument,
    private readonly identities: HuaweiIdentities,
  ) {
    this.load(fixtures);
  }

  /** Back to the fixture's tokens only: issued tokens are forgotten. */
  load(fixtures: FixtureDocument): void {
    const identities = this.identities;
    this.tokens.clear();
    for (const account of fixtures.huawei.accounts) {
      for (const listed of account.tokens) {
        const principal = identities.user(account.domainId, listed.user)!;
        const expiresAt = Date.parse(listed.expiresAt);
        this.tokens.set(digest(listed.token), { principal, projectId: listed.projectId, issuedAt: expiresAt - TOKEN_LIFETIME_MS, expiresAt });
      }
    }
  }

  /** A new opaque token in the cloud's shape (a base64 PKI blob starting with MII). */
  issue(principal: HuaweiPrincipal, projectId: string, now: number): { token: string; issued: IssuedToken } {
    const token = 'MII' + randomBytes(96).toString('base64').replace(/[+/=]/g, '');
    const issued = { principal, projectId, issuedAt: now, expiresAt: now + TOKEN_LIFETIME_MS };
    this.tokens.set(digest(token), issued);
    return { token, issued };
  }

  find(token: string): IssuedToken | undefined {
    return this.tokens.get(digest(token));
  }
}

const digest = (token: string) => createHash('sha256').update(token).digest('hex');
