#!/usr/bin/env python3
"""Edit the JSON of a LUKS2 header in an image file, as a hostile host can.

The LUKS2 checksum is a plain SHA-256 over each header copy (binary header
with its csum field zeroed, then the JSON area), so anyone holding the disk
can rewrite any field and recompute it: every command here rewrites BOTH
copies (primary at 0, secondary at hdr_size) with fresh checksums and
seqid + 1, and cryptsetup 2.6.1 accepts the result
(../shared/reference/LUKS2.md). For tests of `snpboot disk-pin` and of the
first stage's disk pin; never for real disks.

  luks2_edit.py dump IMG                         binary fields and the JSON
  luks2_edit.py set-segment-cipher IMG CIPHER    segments.0.encryption
  luks2_edit.py set-keyslot-cipher IMG CIPHER [--keyslot N]
                                                 keyslots.N.area.encryption (all keyslots without --keyslot)
  luks2_edit.py graft-keyslots --from OWNER.img --into HOST.img
                                                 OWNER's keyslot 0 (JSON and area bytes) and the digest
                                                 covering it replace HOST's keyslots and digests; HOST keeps
                                                 its segment, UUID and data (tokens are dropped)
  luks2_edit.py set IMG PATH JSON                any field: PATH like segments.0.iv_tweak, JSON a value
                                                 ('"8"', '{"type":"linear",...}')
  luks2_edit.py delete IMG PATH                  remove a field
  luks2_edit.py add-requirement IMG NAME         append NAME to config.requirements.mandatory
Exit 0 done, 1 the image is not a LUKS2 header this tool can edit, 2 usage.
"""
import hashlib
import json
import os
import struct
import sys

BIN_LEN = 4096
CSUM_OFF, CSUM_LEN = 0x1C0, 64


class EditError(Exception):
    pass


def read_copy(f, offset, magic):
    f.seek(offset)
    binary = bytearray(f.read(BIN_LEN))
    if len(binary) < BIN_LEN or binary[:6] != magic:
        raise EditError(f'no LUKS2 header copy at offset {offset}')
    version, hdr_size, seqid = struct.unpack('>HQQ', binary[6:24])
    if version != 2:
        raise EditError(f'version {version}: not LUKS2')
    if hdr_size < 16384 or hdr_size > (4 << 20) or hdr_size & (hdr_size - 1):
        raise EditError(f'hdr_size {hdr_size} is not a LUKS2 size')
    area = f.read(hdr_size - BIN_LEN)
    text = area.split(b'\0', 1)[0]
    return binary, hdr_size, seqid, json.loads(text)


def checksum(binary, area):
    b = bytearray(binary)
    b[CSUM_OFF:CSUM_OFF + CSUM_LEN] = bytes(CSUM_LEN)
    return hashlib.sha256(bytes(b) + area).digest()


def write_copies(path, binary, hdr_size, seqid, meta):
    text = json.dumps(meta, separators=(',', ':')).encode()
    if len(text) >= hdr_size - BIN_LEN:
        raise EditError('the edited JSON does not fit in the header')
    area = text + bytes(hdr_size - BIN_LEN - len(text))
    with open(path, 'r+b') as f:
        for offset, magic in ((0, b'LUKS\xba\xbe'), (hdr_size, b'SKUL\xba\xbe')):
            b = bytearray(binary)
            b[0:6] = magic
            b[16:24] = struct.pack('>Q', seqid + 1)
            b[256:264] = struct.pack('>Q', offset)  # hdr_offset
            b[CSUM_OFF:CSUM_OFF + CSUM_LEN] = bytes(CSUM_LEN)
            b[CSUM_OFF:CSUM_OFF + 32] = checksum(b, area)
            f.seek(offset)
            f.write(bytes(b) + area)


def load(path):
    with open(path, 'rb') as f:
        binary, hdr_size, seqid, meta = read_copy(f, 0, b'LUKS\xba\xbe')
    return binary, hdr_size, seqid, meta


def edit(path, change):
    binary, hdr_size, seqid, meta = load(path)
    change(meta)
    write_copies(path, binary, hdr_size, seqid, meta)


def walk(meta, dotted, create=False):
    """The container holding the last part of dotted, and that part."""
    parts = dotted.split('.')
    node = meta
    for p in parts[:-1]:
        if isinstance(node, list):
            node = node[int(p)]
        elif p in node:
            node = node[p]
        elif create:
            node = node.setdefault(p, {})
        else:
            raise EditError(f'{dotted}: no {p}')
    return node, parts[-1]


def cmd_dump(path):
    binary, hdr_size, seqid, meta = load(path)
    uuid = binary[168:208].split(b'\0', 1)[0].decode('ascii', 'replace')
    print(f'hdr_size {hdr_size} seqid {seqid} uuid {uuid}')
    print(json.dumps(meta, indent=2))


def cmd_set_segment_cipher(path, cipher):
    def change(meta):
        meta['segments']['0']['encryption'] = cipher
    edit(path, change)


def cmd_set_keyslot_cipher(path, cipher, slot=None):
    def change(meta):
        slots = [slot] if slot is not None else list(meta['keyslots'])
        if not slots:
            raise EditError('no keyslots')
        for s in slots:
            meta['keyslots'][s]['area']['encryption'] = cipher
    edit(path, change)


def cmd_graft(owner, host):
    _, _, _, ometa = load(owner)
    slot = ometa['keyslots'].get('0')
    if slot is None:
        raise EditError(f'{owner}: no keyslot 0')
    digests = {k: d for k, d in ometa['digests'].items() if '0' in d['keyslots']}
    if len(digests) != 1:
        raise EditError(f'{owner}: no single digest covers keyslot 0')
    (dkey, digest), = digests.items()
    off, size = int(slot['area']['offset']), int(slot['area']['size'])
    with open(owner, 'rb') as f:
        f.seek(off)
        area = f.read(size)
    binary, hdr_size, seqid, meta = load(host)
    if off + size > int(meta['config']['keyslots_size']) + 2 * hdr_size:
        raise EditError(f'{host}: keyslot area [{off}, +{size}) does not fit')
    digest = dict(digest, keyslots=['0'], segments=['0'])
    meta['keyslots'] = {'0': slot}
    meta['digests'] = {'0': digest}
    meta['tokens'] = {}
    with open(host, 'r+b') as f:
        f.seek(off)
        f.write(area)
    write_copies(host, binary, hdr_size, seqid, meta)


def cmd_set(path, dotted, value):
    parsed = json.loads(value)
    def change(meta):
        node, last = walk(meta, dotted, create=True)
        if isinstance(node, list):
            node[int(last)] = parsed
        else:
            node[last] = parsed
    edit(path, change)


def cmd_delete(path, dotted):
    def change(meta):
        node, last = walk(meta, dotted)
        del node[int(last) if isinstance(node, list) else last]
    edit(path, change)


def cmd_add_requirement(path, name):
    def change(meta):
        req = meta['config'].setdefault('requirements', {})
        req.setdefault('mandatory', []).append(name)
    edit(path, change)


def main(argv):
    a = argv[1:]
    try:
        if len(a) == 2 and a[0] == 'dump':
            cmd_dump(a[1])
        elif len(a) == 3 and a[0] == 'set-segment-cipher':
            cmd_set_segment_cipher(a[1], a[2])
        elif len(a) in (3, 5) and a[0] == 'set-keyslot-cipher' and (len(a) == 3 or a[3] == '--keyslot'):
            cmd_set_keyslot_cipher(a[1], a[2], a[4] if len(a) == 5 else None)
        elif len(a) == 5 and a[0] == 'graft-keyslots' and a[1] == '--from' and a[3] == '--into':
            cmd_graft(a[2], a[4])
        elif len(a) == 4 and a[0] == 'set':
            cmd_set(a[1], a[2], a[3])
        elif len(a) == 3 and a[0] == 'delete':
            cmd_delete(a[1], a[2])
        elif len(a) == 3 and a[0] == 'add-requirement':
            cmd_add_requirement(a[1], a[2])
        else:
            sys.stderr.write(__doc__)
            return 2
    except (EditError, OSError, KeyError, ValueError, IndexError) as e:
        sys.stderr.write(f'luks2_edit.py: {e}\n')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
