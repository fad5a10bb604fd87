// A CLOSE goes on every path that can carry it, not on one only. Found by the soak (npm run soak,
// test/e2e/soak.test.ts): a client with two paths through link emulators, one cut (both directions, no
// word to either end) just before the client closed; when the only copy of its CLOSE went on the dead
// path, the server heard nothing more and waited out its idle timeout (ETIMEDOUT) instead of closing
// with the client's reason (3 of 8 resetAndDestroy() calls over real UDP; 0 of 16 since). Here in the
// simulator, once for each path going dark: the server sees the client's close either way.
import { describe, expect, test } from 'vitest';
import { ReasonCode } from '../../src/core/wire/index.js';
import { CLIENT } from '../support/engine-pair.js';
import { CLIENT_B, twoPaths } from '../support/two-paths.js';

describe('a CLOSE sent while one path is dead, its death not yet noticed', () => {
  test.each([
    { dark: 'path 0', host: CLIENT.host },
    { dark: 'path 1', host: CLIENT_B.host },
  ])('reaches the server over the other path when $dark goes dark just before the close', ({ host }) => {
    let dark = false;
    const { pair } = twoPaths({ serverDrop: (remote) => dark && remote.host === host });
    const server = pair.serverSink!.connection;
    pair.runUntil(() => server.pathById(1)?.validated === true && pair.connection.pathById(1)?.validated === true, 5_000);
    dark = true;
    pair.connection.close(pair.sim.nowMs, ReasonCode.ApplicationClose, 7, 'bye');
    pair.clientNode.wake();
    // Well within one PTO of either path: the copy on the live path arrives at once.
    pair.runUntil(() => pair.serverSink!.closed !== undefined, 1_000);
    expect(pair.serverSink!.closed).toMatchObject({ reasonCode: ReasonCode.ApplicationClose, applicationErrorCode: 7, initiator: 'peer' });
  });
});
