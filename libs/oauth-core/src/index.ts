export * from './scope';
export * from './secret';
export * from './basic-auth';
export * from './params';
export * from './redirect-uri';
export * from './pkce';
export * from './token-hash';
export * from './sha256';
