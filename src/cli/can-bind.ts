import { createSocket } from 'node:dgram';

/** Whether a UDP socket can be bound on `host` (127.0.0.2 is loopback on Linux, not on macOS by default). */
export function canBind(host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(0, host, () => socket.close(() => resolve(true)));
  });
}
