import { InitialSchema1764000000000 } from './1764000000000-InitialSchema';

/** Every migration, in order; the data source runs them on start. */
export const MIGRATIONS = [InitialSchema1764000000000];
