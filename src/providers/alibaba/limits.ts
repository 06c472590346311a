/**
 * How much one Alibaba RPC request may ask of the emulator. The DAS API reference states no maxima
 * (spec/alibaba-das.md), so these are the emulator's own, generous for every official client and
 * documented in README: they exist so that one request cannot hold the server or grow the data file.
 */

/**
 * The largest request body (a pop-core POST sends every parameter as a form). The largest
 * legitimate form, a kill naming MAX_SESSION_IDS ids of 20 digits and MAX_IGNORED_USERS names, is
 * about 30 KB: 1 MiB leaves room for any of them and stops a body that could only be an attack.
 */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Parameters in the query and the form together. The widest call (CreateKillInstanceSessionTask,
 * V1-signed, with a security token) carries about 20.
 */
export const MAX_PARAMETERS = 100;

/** Ids in one kill's `SessionIds`; KillAllSessions is the way to kill everything. */
export const MAX_SESSION_IDS = 1000;

/** Account names in `IgnoredUsers`. */
export const MAX_IGNORED_USERS = 100;
