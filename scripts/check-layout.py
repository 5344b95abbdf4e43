#!/usr/bin/env python3
"""The layout rules of lib/ and host/, checked from the #include lines.

lib/ has one folder per concept. Each folder's README.md says, on lines of
their own:
    Uses: base der        (the lib folders it may include from; "Uses: -" for none)
    Linked into /init: yes|no
The rules, each a TAP check:
  1. every lib folder has a README.md with both lines, and names only folders
     that exist;
  2. each file includes only from its own folder and the folders its README
     names (a header in the same folder is included by its bare name, one in
     another folder as "folder/name.h");
  3. the folders form a DAG (dependencies run one way);
  4. no two modules include each other, directly or through others (a module
     is NAME.c with NAME.h; headers without a .c are looked through);
  5. a folder linked into /init uses only folders linked into /init, and
     init/ includes nothing from a host-only folder or from host/;
  6. nothing in host/ includes init/ (what both use lives in lib/), and the
     host/ folders (helpers shared by commands) never include a command
     (host/*.c, host/cmd_*.h).
`--graph` prints the folder graph instead.
"""
import os, re, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(ROOT)
INC = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
checks = []


def check(ok, name, diag=()):
    checks.append(ok)
    print(f"{'ok' if ok else 'not ok'} {len(checks)} - {name}")
    for line in list(diag)[:40]:
        print(f"#   {line}")


def sources(top):
    out = []
    for dirpath, _, names in os.walk(top):
        out += [os.path.join(dirpath, n) for n in sorted(names) if n.endswith(('.c', '.h', '.def'))]
    return sorted(out)


def includes(path):
    with open(path, encoding='utf-8') as f:
        return INC.findall(f.read())


def resolve(path, name, roots):
    """The project file an #include "name" in path means, or None (system/third party)."""
    local = os.path.join(os.path.dirname(path), name)
    if os.path.isfile(local):
        return os.path.normpath(local)
    for r in roots:
        cand = os.path.join(r, name)
        if os.path.isfile(cand):
            return os.path.normpath(cand)
    return None


lib_dirs = sorted(d for d in os.listdir('lib') if os.path.isdir(os.path.join('lib', d)))
meta, problems = {}, []
for d in lib_dirs:
    readme = os.path.join('lib', d, 'README.md')
    if not os.path.isfile(readme):
        problems.append(f'lib/{d}: no README.md')
        continue
    text = open(readme, encoding='utf-8').read()
    uses = re.search(r'^Uses: (.*)$', text, re.M)
    guest = re.search(r'^Linked into /init: (yes|no)$', text, re.M)
    if not uses or not guest:
        problems.append(f'lib/{d}/README.md: needs a "Uses: ..." and a "Linked into /init: yes|no" line')
        continue
    names = [] if uses.group(1).strip() == '-' else uses.group(1).split()
    for n in names:
        if n not in lib_dirs:
            problems.append(f'lib/{d}/README.md: Uses names "{n}", which is not a folder of lib/')
    meta[d] = {'uses': set(names), 'guest': guest.group(1) == 'yes'}
loose = [f for f in os.listdir('lib') if os.path.isfile(os.path.join('lib', f)) and f.endswith(('.c', '.h'))]
problems += [f'lib/{f}: a source file outside the concept folders' for f in loose]
check(not problems, 'every lib/ folder has a README.md that says what it uses and whether /init links it', problems)

if '--graph' in sys.argv:
    for d in lib_dirs:
        m = meta.get(d, {'uses': set(), 'guest': False})
        print(f"{d:10} {'guest' if m['guest'] else 'host '} uses {' '.join(sorted(m['uses'])) or '-'}")
    sys.exit(0)

roots = ['lib', 'host', 'init']
lib_files = sources('lib')
bad_inc = []
actual = {d: set() for d in lib_dirs}
for path in lib_files:
    d = path.split('/')[1]
    for name in includes(path):
        target = resolve(path, name, ['lib'])
        if target is None:
            bad_inc.append(f'{path}: #include "{name}" is no file of lib/')
            continue
        td = target.split('/')[1]
        if td == d:
            if '/' in name:
                bad_inc.append(f'{path}: #include "{name}": a header of the same folder goes by its bare name')
            continue
        if name != target[len('lib/'):]:
            bad_inc.append(f'{path}: #include "{name}": name it "{target[len("lib/"):]}"')
        actual[d].add(td)
        if d in meta and td not in meta[d]['uses']:
            bad_inc.append(f'{path}: includes {target}, but lib/{d}/README.md does not list "{td}" in Uses')
check(not bad_inc, 'lib/ files include only their own folder and the folders their README lists', bad_inc)

# 3. the declared graph has no cycle
def find_cycle(graph):
    state, stack = {}, []
    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state:
                c = visit(m)
                if c:
                    return c
        stack.pop()
        state[n] = 2
        return None
    for n in sorted(graph):
        if n not in state:
            c = visit(n)
            if c:
                return c
    return None

cyc = find_cycle({d: m['uses'] for d, m in meta.items()})
check(cyc is None, 'the lib/ folders depend on each other one way (no cycle)',
      [' -> '.join(cyc)] if cyc else [])

# 4. module cycles across lib/, host/ and init/
all_files = sources('lib') + sources('host') + sources('init')
def module(path):
    base = path[:-2] if path.endswith(('.c', '.h')) else path
    return base if os.path.isfile(base + '.c') else None
edges = {}
def reach(path, seen):
    """Modules a file includes, looking through headers that have no .c."""
    out = set()
    for name in includes(path):
        t = resolve(path, name, roots)
        if t is None or t in seen:
            continue
        seen.add(t)
        m = module(t)
        if m:
            out.add(m)
        else:
            out |= reach(t, seen)
    return out
for path in all_files:
    m = module(path)
    if m:
        edges.setdefault(m, set()).update(reach(path, {path}) - {m})
cyc = find_cycle(edges)
check(cyc is None, 'no two modules include each other, directly or through others',
      [' -> '.join(cyc)] if cyc else [])

# 5. the guest links only guest folders
guest_bad = []
for d, m in meta.items():
    if m['guest']:
        guest_bad += [f'lib/{d} is linked into /init but uses host-only lib/{u}'
                      for u in sorted(m['uses']) if u in meta and not meta[u]['guest']]
for path in sources('init'):
    for name in includes(path):
        t = resolve(path, name, roots)
        if t is None:
            continue
        if t.startswith('host/'):
            guest_bad.append(f'{path}: includes {t} (host code)')
        elif t.startswith('lib/') and not meta.get(t.split('/')[1], {}).get('guest'):
            guest_bad.append(f'{path}: includes {t}, from a folder not linked into /init')
check(not guest_bad, '/init and the folders it links use no host-only code', guest_bad)

# 6. host helper folders use no command and no init code
host_bad = []
for path in sources('host'):
    helper = path.count('/') >= 2  # host/FOLDER/...: shared by commands, not a command
    for name in includes(path):
        t = resolve(path, name, roots)
        if t is None:
            continue
        if t.startswith('init/'):
            host_bad.append(f'{path}: includes {t}: share it through lib/ instead')
        elif helper and t.startswith('host/') and t.count('/') < 2:
            host_bad.append(f'{path}: includes {t}, a command\'s file: helpers sit below the commands')
check(not host_bad, 'host/ uses no init/ code, and its helper folders no command', host_bad)

print(f'1..{len(checks)}')
sys.exit(0 if all(checks) else 1)
