import type { ReferenceTokenEntity } from './reference-token.entity';

/** The admin API's view of a reference token: never the token, never its hash. */
export function referenceTokenResponse(t: ReferenceTokenEntity) {
  return {
    Id: t.id,
    Kind: t.kind,
    ApplicationUri: t.application?.applicationUri ?? null,
    UserLogin: t.user?.login ?? null,
    Scope: t.scope,
    Description: t.description,
    CreatedAt: t.createdAt,
    ExpiresAt: t.expiresAt,
    LastUsedAt: t.lastUsedAt,
    RevokedAt: t.revokedAt,
  };
}

/** The answer to issuing: the token itself, shown this once, then the stored view. */
export function issuedReferenceTokenResponse(t: ReferenceTokenEntity, token: string) {
  const { Id, ...rest } = referenceTokenResponse(t);
  return { Id, Token: token, ...rest };
}
