#!/usr/bin/env python3
"""A man in the middle for the attested channel (tests only).

relay:  terminates the owner's TLS with its own P-384 key, opens its own TLS
        session to the guest and forwards the frames both ways; saves the
        guest's EVIDENCE frame. REPORT_DATA then binds the relay's session
        with the guest, not the owner's, and the owner must refuse.
replay: plays the guest with its own key and answers HELLO with a saved
        EVIDENCE frame. The report binds an old session; the owner must refuse.

  mitm.py relay  --listen PORT --guest HOST:PORT --cert C --key K --save FILE
  mitm.py replay --listen PORT --evidence FILE --cert C --key K
abandon: talks to the guest directly, sends HELLO, reads EVIDENCE and
        vanishes (an owner killed mid-protocol).
oversize: sends the guest a frame header announcing 70000 bytes.
reject: sends HELLO, reads EVIDENCE, answers REJECT with --reason (bytes as
        given, escapes like \\n decoded): a peer forging console lines;
        --delay S first (an owner whose decision takes long).
  mitm.py abandon|oversize|reject --guest HOST:PORT [--reason TEXT]
The guest talks only to a pinned owner key: --owner-cert/--owner-key make
the side facing the guest present one (for the relay, a man in the middle
who holds the owner's key, so that REPORT_DATA is what stops it).
Exits after one owner connection (or --timeout seconds)."""
import os
import argparse, socket, ssl, struct, sys, threading, time

def read_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError("peer closed")
        b += c
    return b

def read_frame(s):
    hdr = read_exact(s, 5)
    return hdr + read_exact(s, struct.unpack(">I", hdr[1:])[0])

def owner_side(args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers("ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305")
    ctx.load_cert_chain(args.cert, args.key)
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", args.listen))
    srv.listen(1)
    srv.settimeout(args.timeout)
    conn, _ = srv.accept()
    conn.settimeout(args.timeout)
    return ctx.wrap_socket(conn, server_side=True)

def guest_side(args):
    host, port = args.guest.rsplit(":", 1)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    if args.owner_cert:
        ctx.load_cert_chain(args.owner_cert, args.owner_key)
    raw = socket.create_connection((host, int(port)), timeout=args.timeout)
    return ctx.wrap_socket(raw)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["relay", "replay", "abandon", "oversize", "reject"])
    ap.add_argument("--owner-cert")
    ap.add_argument("--owner-key")
    ap.add_argument("--reason", default="")
    ap.add_argument("--delay", type=float, default=0, help="reject: seconds to think before answering")
    ap.add_argument("--listen", type=int)
    ap.add_argument("--guest")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--save")
    ap.add_argument("--evidence")
    ap.add_argument("--timeout", type=float, default=60)
    args = ap.parse_args()
    if args.mode in ("abandon", "oversize", "reject"):
        guest = guest_side(args)
        if args.mode == "oversize":
            guest.sendall(b"\x01" + struct.pack(">I", 70000))
        elif args.mode == "reject":
            guest.sendall(b"\x01" + struct.pack(">I", 32) + os.urandom(32))
            read_frame(guest)
            time.sleep(args.delay)
            reason = args.reason.encode().decode("unicode_escape").encode("latin-1")
            guest.sendall(b"\x03" + struct.pack(">I", len(reason)) + reason)
            print("sent REJECT of %d bytes" % len(reason))
        else:
            guest.sendall(b"\x01" + struct.pack(">I", 32) + os.urandom(32))
            print("got frame type %d from the guest" % read_frame(guest)[0])
        guest.close()
        return 0
    owner = owner_side(args)
    try:
        hello = read_frame(owner)
        if args.mode == "replay":
            owner.sendall(open(args.evidence, "rb").read())
            verdict = read_frame(owner)
        else:
            guest = guest_side(args)
            guest.sendall(hello)
            evidence = read_frame(guest)
            open(args.save, "wb").write(evidence)
            owner.sendall(evidence)
            verdict = read_frame(owner)
            guest.sendall(verdict)  # the guest learns it was refused, and waits on
            guest.close()
        # Frame type 3 is REJECT, 4 would be SECRETS: the key must never come.
        print("owner answered frame type %d" % verdict[0])
        return 0 if verdict[0] == 3 else 1
    except (EOFError, OSError) as e:
        print("mitm: %s" % e, file=sys.stderr)
        return 2

if __name__ == "__main__":
    sys.exit(main())
