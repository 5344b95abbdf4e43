#!/usr/bin/env python3
"""A local HTTPS server laid out like AMD KDS, for the end-to-end tests (there
is no Internet here). Usage: kds_server.py ROOT CERT KEY PORTFILE LOG MODE
  ROOT      directory: a request's path (query dropped) resolves under it
  PORTFILE  the chosen port is written there (atomically) once listening
  LOG       every request line is appended: "GET /path?query"
  MODE      normal | chunked (Transfer-Encoding: chunked) | 429 (rate-limited)
"""
import http.server, os, ssl, sys
root, cert, key, portfile, log, mode = sys.argv[1:7]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_GET(self):
        with open(log, "a") as f:
            f.write("GET %s\n" % self.path)
        if mode == "429":
            body = b"Too Many Requests"
            self.send_response(429); self.send_header("Retry-After", "30")
            self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body); return
        p = os.path.normpath(root + "/" + self.path.split("?")[0])
        if not p.startswith(root) or not os.path.isfile(p):
            body = b"not found"
            self.send_response(404); self.send_header("Content-Length", str(len(body)))
            self.end_headers(); self.wfile.write(body); return
        data = open(p, "rb").read()
        self.send_response(200); self.send_header("Content-Type", "application/octet-stream")
        if mode == "chunked":
            self.send_header("Transfer-Encoding", "chunked"); self.end_headers()
            for i in range(0, len(data), 500):
                c = data[i:i + 500]
                self.wfile.write(b"%x\r\n" % len(c) + c + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)
        self.close_connection = True
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
open(portfile + ".tmp", "w").write(str(srv.server_address[1])); os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
