/** Connection-wide counters. */
export interface ConnectionStats {
  /** Datagrams dropped: undecodable, not authenticating, duplicates or for a wrong state. */
  packetsDropped: number;
  /** Stream bytes written by the application. */
  bytesWritten: number;
  /** Stream bytes delivered to the application. */
  bytesRead: number;
  /** Packets declared lost on every path. */
  packetsLost: number;
  /** Stream bytes sent more than once. */
  bytesRetransmitted: number;
}
