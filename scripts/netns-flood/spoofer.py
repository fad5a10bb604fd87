#!/usr/bin/env python3
"""Handshake flood from spoofed sources, for scripts/netns-flood.ts.

Sends copies of a recorded mpt client Initial (a UDP payload, hex in TEMPLATE_FILE) to DST:PORT from
random source addresses of SPOOF_NET (a CIDR) and random source ports, over a raw socket (IP_HDRINCL:
the kernel routes by destination and fills the IP checksum; the UDP checksum is left 0, which IPv4
allows). Each copy gets a fresh destination CID, so the server takes it for a new connection. A
fraction FORGED (0..1) of them are forgeries: the recorded header with its Noise message replaced by
random bytes (the zero padding after it kept). Paced at RATE datagrams/s for at most SECONDS, or until SIGTERM; then prints one JSON
line: {"sent": n, "forged": n, "bytes": n, "seconds": s}.

usage: spoofer.py TEMPLATE_FILE DST PORT SPOOF_NET RATE SECONDS FORGED
"""
import ipaddress
import json
import os
import random
import signal
import socket
import struct
import sys
import time


def noise_span(initial: bytes) -> tuple:
    """Where the Noise message starts (after the long header, the packet number and the mode byte) and ends."""
    at = 5
    at += 1 + initial[at]  # DCID length, DCID
    at += 1 + initial[at]  # SCID length, SCID
    length = 0
    for field in ("token", "length"):  # Token Length (and the token), then Length: QUIC varints
        first = initial[at]
        size = 1 << (first >> 6)
        value = first & 0x3F
        for b in initial[at + 1:at + size]:
            value = value * 256 + b
        at += size
        if field == "token":
            at += value
        else:
            length = value
    end = at + length  # Length counts the packet number and the payload; zero padding follows
    at += (initial[0] & 0x03) + 1  # the packet number
    return at + 1, end  # after the handshake mode byte


def main() -> None:
    template_file, dst, port, spoof_net, rate, seconds, forged_share = sys.argv[1:8]
    with open(template_file) as f:
        template = bytes.fromhex(f.read().strip())
    port, rate, seconds, forged_share = int(port), float(rate), float(seconds), float(forged_share)
    net = ipaddress.ip_network(spoof_net)
    base, size = int(net.network_address), net.num_addresses
    dcid_len = template[5]
    noise_at, noise_end = noise_span(template)
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    dst_bytes = socket.inet_aton(dst)
    udp_len = 8 + len(template)
    stop = False

    def on_term(*_):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    sent = forged = sent_bytes = 0
    started = time.monotonic()
    print("ready", flush=True)
    payload = bytearray(template)
    while not stop:
        elapsed = time.monotonic() - started
        if elapsed >= seconds:
            break
        due = int(elapsed * rate) + 1
        while sent < due and not stop:
            payload[6:6 + dcid_len] = os.urandom(dcid_len)
            is_forged = random.random() < forged_share
            if is_forged:
                payload[noise_at:noise_end] = os.urandom(noise_end - noise_at)
                forged += 1
            else:
                payload[noise_at:noise_end] = template[noise_at:noise_end]
            src = base + 1 + random.randrange(size - 2)  # neither the network nor the broadcast address
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0, 0, 64, 17, 0, struct.pack("!I", src), dst_bytes)
            udp = struct.pack("!HHHH", random.randrange(1024, 65536), port, udp_len, 0)
            try:
                sock.sendto(ip + udp + payload, (dst, 0))
                sent += 1
                sent_bytes += len(template)
            except OSError:
                time.sleep(0.001)  # a full queue: back off a little
        time.sleep(0.002)
    print(json.dumps({"sent": sent, "forged": forged, "bytes": sent_bytes, "seconds": round(time.monotonic() - started, 3)}), flush=True)


if __name__ == "__main__":
    main()
