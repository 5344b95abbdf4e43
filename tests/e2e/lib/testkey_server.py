#!/usr/bin/env python3
"""Test-only key server for the INSECURE test key source of test images.

Serves one key per connection, in order, from the files given; each frame is a
u32 big-endian length and the key. Records the guest's one-line answer per
connection in --answers. Binds to 127.0.0.1 only; QEMU user networking maps
the guest's 10.0.2.2 to it. Stops after the keys are served or --timeout."""
import argparse, socket, struct, sys, time

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--answers", required=True)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("keys", nargs="+")
    args = ap.parse_args()
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    with open(args.port_file, "w") as f:
        f.write(str(srv.getsockname()[1]))
    deadline = time.time() + args.timeout
    with open(args.answers, "w") as answers:
        for path in args.keys:
            srv.settimeout(max(1, deadline - time.time()))
            try:
                conn, _ = srv.accept()
            except socket.timeout:
                return 1
            key = open(path, "rb").read()
            conn.sendall(struct.pack(">I", len(key)) + key)
            conn.settimeout(max(1, deadline - time.time()))
            data = b""
            try:
                while not data.endswith(b"\n"):
                    chunk = conn.recv(256)
                    if not chunk:
                        break
                    data += chunk
            except socket.timeout:
                pass
            answers.write(data.decode(errors="replace").strip() + "\n")
            answers.flush()
            conn.close()
    return 0

if __name__ == "__main__":
    sys.exit(main())
