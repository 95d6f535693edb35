import type { TrustedApplicationEntity } from './trusted-application.entity';

/** The admin API's view: every attribute but the secret hash, which is never returned. */
export function trustedApplicationResponse(a: TrustedApplicationEntity) {
  return {
    Id: a.id,
    Name: a.name,
    ApplicationUri: a.applicationUri,
    IsEnabled: a.isEnabled,
    ImpersonateAsInternalUserAllowed: a.impersonateAsInternalUserAllowed,
    ImpersonateAsCommunityUserAllowed: a.impersonateAsCommunityUserAllowed,
    ImpersonateLoginUrl: a.impersonateLoginUrl,
    ImpersonateLogoutUrl: a.impersonateLogoutUrl,
    ClientType: a.clientType,
    HasApplicationSecret: !!a.applicationSecretHash,
    Scope: a.scope,
    SystemUser: a.systemUser,
    SystemUserAllowed: a.systemUserAllowed,
    AccessTokens: a.accessTokens,
    BasicAuthenticationAllowed: a.basicAuthenticationAllowed,
    DeviceFlowAllowed: a.deviceFlowAllowed,
    BackChannelLogoutUri: a.backChannelLogoutUri,
    FrontChannelLogoutUri: a.frontChannelLogoutUri,
    Notes: a.notes,
    CreatedAt: a.createdAt,
    UpdatedAt: a.updatedAt,
  };
}
