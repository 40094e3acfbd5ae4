/**
 * The VRRP speakers a lab node can run, behind one interface: both read the same keepalived.conf, run
 * in the node's namespace, and log to a file the harness watches. `up` picks one per node.
 */
import type { ConfigWarning } from '../keepalived/config/vrrp.js';
import type { Launch, ServiceContext } from '../services/service.js';
import type { SpeakerImpl } from '../topology/schema.js';
import { launchKeepalived } from './keepalived.js';
import { checkTsvrrpd, launchTsvrrpd } from './tsvrrpd.js';

export interface SpeakerCheck {
  /** What this speaker warns about in the file (the harness prints them as notes before `up`). */
  warnings: ConfigWarning[];
}

export interface Speaker {
  launch(ctx: ServiceContext, configPath: string): Launch;
  /**
   * A speaker-specific reading of the file beyond the shared parser's (undefined: nothing more to say).
   * Throws an error naming file:line:col for a file the speaker cannot run.
   */
  check?(configPath: string): Promise<SpeakerCheck>;
}

export const SPEAKERS: Record<SpeakerImpl, Speaker> = {
  keepalived: { launch: launchKeepalived },
  tsvrrpd: { launch: launchTsvrrpd, check: checkTsvrrpd },
};

/** A recorded process is a node's VRRP speaker (whichever implementation). */
export function isSpeaker(p: { role?: string | undefined }): boolean {
  return p.role === 'speaker';
}
