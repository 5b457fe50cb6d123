import { z } from 'zod';
import type { Role } from './replica';

/** Every role of `Role` and no other (a compile error names the one missing): Raft's, VR's and Multi-Paxos's. */
export const roles = ['follower', 'pre-candidate', 'candidate', 'leader', 'backup', 'primary', 'view-change', 'recovering'] as const satisfies readonly Role[];
const rolesComplete: Exclude<Role, (typeof roles)[number]> extends never ? true : never = true;
void rolesComplete;

export const roleSchema = z.enum(roles);
