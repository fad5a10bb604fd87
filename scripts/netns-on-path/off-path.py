#!/usr/bin/env python3
"""The off-path attacker of scripts/netns-on-path.ts: a host that sees none of the connection's traffic.

It owns many addresses (the orchestrator adds them to its interface) and sends from them with ordinary
UDP sockets, one per address, bound on first use; it counts what comes back to each. Commands, one line
on stdin, each answered with one JSON line on stdout:

  bind ADDR                        binds ADDR's socket (if not yet): {"port": P}
  send ADDR DST DPORT HEX          one datagram from ADDR: {"sent": bytes}
  flood ADDR DST DPORT N HEADERHEX SIZE
                                   N datagrams from ADDR, each HEADERHEX then random bytes up to SIZE
                                   (a forged packet: a PATH_CHALLENGE, a CLOSE, a PATH_STATUS as far as
                                   anyone without the keys can make one): {"sent": bytes}
  report                           per address: {"ADDR": {"sent", "datagramsSent", "received", "datagramsReceived"}}

usage: off-path.py SEED
"""
import json
import os
import random
import select
import socket
import sys


def main() -> None:
    rng = random.Random(int(sys.argv[1]))
    by_address = {}  # address -> socket
    tally = {}  # address -> counts

    def bound(address):
        s = by_address.get(address)
        if s is None:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
            s.bind((address, 0))
            s.setblocking(False)
            by_address[address] = s
            tally[address] = {"sent": 0, "datagramsSent": 0, "received": 0, "datagramsReceived": 0}
        return s

    def send(address, dst, dport, payload):
        try:
            bound(address).sendto(payload, (dst, dport))
        except OSError:
            return 0
        tally[address]["sent"] += len(payload)
        tally[address]["datagramsSent"] += 1
        return len(payload)

    def command(words):
        if words[0] == "bind":
            return {"port": bound(words[1]).getsockname()[1]}
        if words[0] == "send":
            return {"sent": send(words[1], words[2], int(words[3]), bytes.fromhex(words[4]))}
        if words[0] == "flood":
            header = bytes.fromhex(words[5])
            size = int(words[6])
            total = sum(send(words[1], words[2], int(words[3]), header + rng.randbytes(max(1, size - len(header)))) for _ in range(int(words[4])))
            return {"sent": total}
        if words[0] == "report":
            return tally
        return {"unknown": " ".join(words)}

    stdin = sys.stdin.fileno()
    os.set_blocking(stdin, False)
    pending = b""
    print("ready", flush=True)
    while True:
        readable, _, _ = select.select([stdin] + list(by_address.values()), [], [])
        for s in readable:
            if s == stdin:
                chunk = os.read(stdin, 1 << 20)
                if not chunk:
                    return
                pending += chunk
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    if line.strip():
                        print(json.dumps(command(line.decode().split())), flush=True)
                continue
            address = s.getsockname()[0]
            while True:
                try:
                    datagram = s.recv(65536)
                except (BlockingIOError, ConnectionRefusedError):
                    break
                tally[address]["received"] += len(datagram)
                tally[address]["datagramsReceived"] += 1


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
