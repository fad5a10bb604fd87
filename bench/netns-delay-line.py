#!/usr/bin/env python3
"""A delay line between two network interfaces, for benches that need the same delayed path for TCP and UDP.

Every Ethernet frame that arrives on one interface leaves on the other DELAY_MS later, unchanged: a
two-port bridge with a fixed one-way delay, in user space because this machine's kernel has no netem.
Unlike the link emulator (UDP only), the kernel's own TCP crosses it, handshake included, so a direct
TCP connection pays every round trip it would pay on a real path.

Run it in a network namespace of its own that holds both interfaces (no addresses on them):
    python3 bench/netns-delay-line.py IFACE_A IFACE_B DELAY_MS
It prints "ready" once both sockets are bound, and forwards until killed. Root (CAP_NET_RAW) needed.
"""
import heapq
import select
import socket
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def main() -> None:
    if len(sys.argv) != 4:
        sys.exit("usage: netns-delay-line.py IFACE_A IFACE_B DELAY_MS")
    names = sys.argv[1:3]
    delay = float(sys.argv[3]) / 1000.0
    sockets = []
    for name in names:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind((name, 0))
        s.setblocking(False)
        sockets.append(s)
    other = {sockets[0].fileno(): sockets[1], sockets[1].fileno(): sockets[0]}
    queue = []  # (due, sequence, frame, out socket)
    sequence = 0
    print("ready", flush=True)
    while True:
        timeout = None
        if queue:
            timeout = max(0.0, queue[0][0] - time.monotonic())
        readable, _, _ = select.select(sockets, [], [], timeout)
        now = time.monotonic()
        for s in readable:
            while True:
                try:
                    frame, address = s.recvfrom(65536)
                except BlockingIOError:
                    break
                if address[2] == PACKET_OUTGOING:
                    continue  # our own send on this interface
                heapq.heappush(queue, (now + delay, sequence, frame, other[s.fileno()]))
                sequence += 1
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, frame, out = heapq.heappop(queue)
            try:
                out.send(frame)
            except OSError:
                pass  # a frame over the MTU or a full queue: dropped, as a link would


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
