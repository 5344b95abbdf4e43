#!/usr/bin/env python3
"""Asks snp-sim for one report over its unix socket, as the guest would:
   sim_request.py SOCKET OUT REPORT_DATA_HEX  -> OUT (report) and OUT.certs"""
import socket,struct,sys,time
path,out,rd=sys.argv[1],sys.argv[2],bytes.fromhex(sys.argv[3])
for _ in range(300):
    try:
        s=socket.socket(socket.AF_UNIX); s.connect(path); break
    except OSError: time.sleep(0.1)
# protocol version 2 (lib/simwire/sim_proto.h): no service, zero GUID and version
s.sendall(b"SNPQ"+struct.pack("<II",2,0)+rd+struct.pack("<I",0)+bytes(16)+struct.pack("<I",0))
def rd_n(n):
    b=b""
    while len(b)<n:
        c=s.recv(n-len(b)); assert c; b+=c
    return b
h=rd_n(24); st,rl,cl,mfl,ml=struct.unpack("<IIIII",h[4:])
rep=rd_n(rl); certs=rd_n(cl); rd_n(mfl); rd_n(ml)
open(out,"wb").write(rep); open(out+".certs","wb").write(certs)
