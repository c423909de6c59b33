// Stub created by the agent-core engineer so the flag table compiles; the remote-write engineer
// replaces this with the real remote-write flags (auth, batch size, catch-up rate, ...).
import type { FlagSpec } from '../config/flags.ts';

export const remoteWriteFlags: FlagSpec[] = [];
