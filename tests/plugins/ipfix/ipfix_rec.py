#!/usr/bin/env python3
"""ipfix_rec.py PORT OUT.pcap [tcp]: receive IPFIX messages on 127.0.0.1:PORT
(UDP datagrams, or with tcp a stream of connections, each message cut by the
length its header gives) and write each message into OUT.pcap as the payload
of a UDP datagram to port 4739, for tshark's decoder.  Stops on SIGTERM;
prints the number of messages."""
import signal
import socket
import struct
import sys

port, out, tcp = int(sys.argv[1]), sys.argv[2], len(sys.argv) > 3 and sys.argv[3] == "tcp"
f = open(out, "wb")
f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))  # raw IP
n = 0
stop = False


def on_term(*_):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)


def write(msg):
    global n
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28 + len(msg), 0, 0, 64, 17, 0,
                     b"\x7f\0\0\1", b"\x7f\0\0\1")
    pkt = ip + struct.pack("!HHHH", 40000, 4739, 8 + len(msg), 0) + msg
    f.write(struct.pack("<IIII", n, 0, len(pkt), len(pkt)) + pkt)
    n += 1


s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.bind(("127.0.0.1", port))
if tcp:
    s.listen(4)
s.settimeout(0.1)
open(out + ".ready", "w").close()
conns = []
bufs = {}
while not stop:
    if not tcp:
        try:
            write(s.recv(65535))
        except socket.timeout:
            pass
        continue
    try:
        c, _ = s.accept()
        c.settimeout(0.01)
        conns.append(c)
        bufs[c] = b""
    except socket.timeout:
        pass
    for c in list(conns):
        try:
            d = c.recv(65536)
        except socket.timeout:
            continue
        if not d:
            conns.remove(c)
            c.close()
            continue
        bufs[c] += d
        while len(bufs[c]) >= 4:
            ln = struct.unpack("!H", bufs[c][2:4])[0]
            if ln < 16 or len(bufs[c]) < ln:
                break
            write(bufs[c][:ln])
            bufs[c] = bufs[c][ln:]
f.close()
print(n)
