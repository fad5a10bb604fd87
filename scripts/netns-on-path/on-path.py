#!/usr/bin/env python3
"""The on-path attacker of scripts/netns-on-path.ts: a two-port forwarder in a namespace of its own.

Every Ethernet frame that arrives on one interface leaves on the other at once, unchanged (as
bench/netns-delay-line.py, without the delay). The UDP datagrams to or from the server (SERVER:PORT) are
also recorded per flow (source and destination address and port) when their other end is one of the
client's addresses (CLIENTS, comma-separated: not the attackers' own datagrams), and on command (one line on stdin,
one JSON line answered on stdout) the attacker adds its own, each leaving towards the flow's destination:

  flows                     the flows seen: [{"src", "sport", "dst", "dport", "datagrams"}]
  attack REPLAY FLIP INJECT on every flow: the REPLAY newest datagrams again; FLIP copies of random ones
                            with 1 to 4 bits flipped in the UDP payload; INJECT datagrams with a real short
                            header (its first 9 bytes: flags and CID) and a random body. Answers the counts.
  race SRC DST ASRC APORT HOLD_MS
                            arms the NAT-rebinding spoof on the flow SRC->DST: its next datagram goes first
                            as a copy from ASRC:APORT; it and all that follow on the flow are held HOLD_MS,
                            then passed on in order.
  old N                     N old datagrams (not the 8 newest) of random flows, half 1-RTT (short header),
                            half long-header: {"toServer": [hex...], "toClient": [[dst, dport, hex]...]}
  disarm                    forgets the races armed that have not fired: {"disarmed": n}
  status                    counts; the races armed ("src>dst" each) and the flows held

Rewritten datagrams get a new IP total length and checksum and a recomputed UDP checksum (the veths'
offloads are off, so the frames seen are complete). Root (CAP_NET_RAW) needed.

usage: on-path.py IFACE_CLIENT_SIDE IFACE_SERVER_SIDE SERVER PORT CLIENTS SEED
"""
import json
import os
import random
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def parse(frame: bytes):
    """(src, sport, dst, dport, payload) of an IPv4 UDP frame, or None."""
    if len(frame) < 42 or frame[12:14] != b"\x08\x00" or frame[23] != 17:
        return None
    ihl = (frame[14] & 0x0F) * 4
    udp = 14 + ihl
    src, dst = socket.inet_ntoa(frame[26:30]), socket.inet_ntoa(frame[30:34])
    sport, dport, length = struct.unpack("!HHH", frame[udp:udp + 6])
    return src, sport, dst, dport, bytes(frame[udp + 8:udp + length])


def build(frame: bytes, payload: bytes, src=None, sport=None) -> bytes:
    """`frame` with its UDP payload replaced by `payload` (and its source by src:sport), checksums recomputed."""
    ihl = (frame[14] & 0x0F) * 4
    ip = bytearray(frame[14:14 + ihl])
    if src is not None:
        ip[12:16] = socket.inet_aton(src)
    struct.pack_into("!H", ip, 2, ihl + 8 + len(payload))
    struct.pack_into("!H", ip, 10, 0)
    struct.pack_into("!H", ip, 10, checksum(bytes(ip)))
    old_sport, dport = struct.unpack("!HH", frame[14 + ihl:14 + ihl + 4])
    udp = bytearray(struct.pack("!HHHH", old_sport if sport is None else sport, dport, 8 + len(payload), 0)) + payload
    pseudo = bytes(ip[12:20]) + struct.pack("!BBH", 0, 17, len(udp))
    value = checksum(pseudo + bytes(udp)) or 0xFFFF
    struct.pack_into("!H", udp, 6, value)
    return bytes(frame[:14]) + bytes(ip) + bytes(udp)


class Flow:
    def __init__(self, key, out):
        self.key = key  # (src, sport, dst, dport)
        self.out = out
        self.frames = []
        self.held = []
        self.release_at = None


def main() -> None:
    if len(sys.argv) != 7:
        sys.exit("usage: on-path.py IFACE_CLIENT_SIDE IFACE_SERVER_SIDE SERVER PORT CLIENTS SEED")
    client_side, server_side, server, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    clients, seed = set(sys.argv[5].split(",")), int(sys.argv[6])
    rng = random.Random(seed)
    sockets = {}
    for name in (client_side, server_side):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind((name, 0))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.setblocking(False)
        sockets[name] = s
    other = {sockets[client_side].fileno(): sockets[server_side], sockets[server_side].fileno(): sockets[client_side]}
    flows = {}
    races = []  # armed: [src, dst, asrc, aport, hold]
    counts = {"forwarded": 0, "replayed": 0, "modified": 0, "injected": 0, "raced": 0, "held": 0}
    stdin = sys.stdin.fileno()
    os.set_blocking(stdin, False)
    pending = b""

    def send(out, frame):
        try:
            out.send(frame)
        except OSError:
            pass  # a full queue: dropped, as a link would

    def forward(frame, out):
        counts["forwarded"] += 1
        seen = parse(frame)
        if seen is None or not ((seen[2] == server and seen[3] == port and seen[0] in clients) or (seen[0] == server and seen[1] == port and seen[2] in clients)):
            send(out, frame)
            return
        key = seen[:4]
        flow = flows.get(key)
        if flow is None:
            flow = flows[key] = Flow(key, out)
        flow.frames.append(frame)
        for race in races:
            if race[0] == key[0] and race[1] == key[2]:
                races.remove(race)
                send(out, build(frame, seen[4], race[2], race[3]))
                counts["raced"] += 1
                flow.release_at = time.monotonic() + race[4] / 1000.0
                break
        if flow.release_at is not None:
            flow.held.append(frame)
            counts["held"] += 1
        else:
            send(out, frame)

    def payload_of(frame):
        return parse(frame)[4]

    def attack(replay, flip, inject):
        for flow in list(flows.values()):
            if not flow.frames:
                continue
            for frame in flow.frames[-replay:]:
                send(flow.out, frame)
                counts["replayed"] += 1
            for _ in range(flip):
                frame = rng.choice(flow.frames)
                body = bytearray(payload_of(frame))
                for _ in range(1 + rng.randrange(4)):
                    body[rng.randrange(len(body))] ^= 1 << rng.randrange(8)
                send(flow.out, build(frame, bytes(body)))
                counts["modified"] += 1
            shorts = [f for f in flow.frames[-200:] if payload_of(f)[0] & 0x80 == 0]
            for _ in range(inject if shorts else 0):
                real = payload_of(rng.choice(shorts))
                body = real[:9] + rng.randbytes(max(20, len(real) - 9))
                send(flow.out, build(rng.choice(shorts), body))
                counts["injected"] += 1

    def old(n):
        to_server, to_client = [], []
        candidates = [f for f in flows.values() if len(f.frames) > 8]
        for i in range(n if candidates else 0):
            flow = rng.choice(candidates)
            want_long = i % 2 == 1
            olds = [f for f in flow.frames[:-8] if (payload_of(f)[0] & 0x80 != 0) == want_long]
            if not olds:
                continue
            hex_ = payload_of(rng.choice(olds)).hex()
            if flow.key[2] == server:
                to_server.append(hex_)
            else:
                to_client.append([flow.key[2], flow.key[3], hex_])
        return {"toServer": to_server, "toClient": to_client}

    def command(line):
        words = line.split()
        if not words:
            return None
        if words[0] == "flows":
            return [{"src": k[0], "sport": k[1], "dst": k[2], "dport": k[3], "datagrams": len(f.frames)} for k, f in flows.items()]
        if words[0] == "attack":
            before = dict(counts)
            attack(int(words[1]), int(words[2]), int(words[3]))
            return {k: counts[k] - before[k] for k in ("replayed", "modified", "injected")}
        if words[0] == "race":
            races.append([words[1], words[2], words[3], int(words[4]), float(words[5])])
            return {"armed": len(races)}
        if words[0] == "old":
            return old(int(words[1]))
        if words[0] == "disarm":
            disarmed = len(races)
            races.clear()
            return {"disarmed": disarmed}
        if words[0] == "status":
            holding = sum(1 for f in flows.values() if f.release_at is not None)
            return {**counts, "armed": [f"{r[0]}>{r[1]}" for r in races], "holding": holding}
        return {"unknown": line}

    print("ready", flush=True)
    while True:
        timeout = None
        due = [f.release_at for f in flows.values() if f.release_at is not None]
        if due:
            timeout = max(0.0, min(due) - time.monotonic())
        readable, _, _ = select.select(list(sockets.values()) + [stdin], [], [], timeout)
        for s in readable:
            if s == stdin:
                chunk = os.read(stdin, 65536)
                if not chunk:
                    return
                pending += chunk
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    answer = command(line.decode())
                    if answer is not None:
                        print(json.dumps(answer), flush=True)
                continue
            for _ in range(256):
                try:
                    frame, address = s.recvfrom(65536)
                except BlockingIOError:
                    break
                if address[2] == PACKET_OUTGOING:
                    continue  # our own send on this interface
                forward(frame, other[s.fileno()])
        now = time.monotonic()
        for flow in flows.values():
            if flow.release_at is not None and flow.release_at <= now:
                flow.release_at = None
                for frame in flow.held:
                    send(flow.out, frame)
                flow.held.clear()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
