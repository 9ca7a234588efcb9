#!/bin/bash
# The manual pages say what the code does:
#  - tcptrack.conf(5) documents, in the section of the code that accepts it,
#    every key the code accepts (core/config.c core_keys[] and
#    config_core_keys[]; the keys[] of each plugin in plugins/NAME/*.c, and the
#    built plugins agree), and no other key; each with a default and an
#    example, and the example is a value the program accepts;
#  - tcptrack(8) documents every flag `tcptrack -h' lists and no other, and
#    every key of the view's key table (actions[] in plugins/top/);
#  - the INI examples of tcptrack.conf(5) pass --check-config;
#  - the pages lint clean (groff -ww, man --warnings) and carry the
#    version of the program;
#  - conf/*.conf pass --check-config; conf/tcptrack.conf holds every key,
#    [core] at its default, and passes once its outputs are uncommented.
. "$TESTS_SRCDIR/lib.sh"
need_cmd python3
TOP_SRCDIR=$(cd "$TESTS_SRCDIR/.." && pwd)
export TOP_SRCDIR TMP TCPTRACK TCPTRACK_PLUGIN_DIR

python3 - <<'EOF'
import os, re, shutil, subprocess, sys

top = os.environ["TOP_SRCDIR"]
tmp = os.environ["TMP"]
tcptrack = os.environ["TCPTRACK"]
plugdir = os.environ.get("TCPTRACK_PLUGIN_DIR", "")
failures = 0


def ok(msg):
    print("PASS: " + msg)


def bad(msg):
    global failures
    failures += 1
    print("FAIL: " + msg)


def note(msg):
    print("NOTE: " + msg)


def read(path):
    with open(os.path.join(top, path), encoding="utf-8") as f:
        return f.read()


def c_code(text):
    """C source without comments; string and char literals kept."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            out.append(" ")
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def array_body(code, name):
    """The initialiser of `NAME[...] = { ... };`, or None."""
    m = re.search(r"\b%s\s*\[[^\]]*\]\s*=\s*\{" % re.escape(name), code)
    if not m:
        return None
    depth, i = 1, m.end()
    while i < len(code) and depth:
        ch = code[i]
        if ch in "\"'":
            j = i + 1
            while j < len(code) and code[j] != ch:
                j += 2 if code[j] == "\\" else 1
            i = j
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        i += 1
    return code[m.end():i - 1]


STRING = r'"((?:[^"\\]|\\.)*)"'

# ---- the keys of the code ----
config_c = c_code(read("core/config.c"))
body = array_body(config_c, "config_core_keys")
listed = re.findall(STRING, body) if body is not None else []
body = array_body(config_c, "core_keys")
table = re.findall(r"\{\s*" + STRING + r"\s*,\s*K_", body) if body is not None else []
if not listed or not table:
    bad("core/config.c: cannot read config_core_keys[] (%d) or core_keys[] (%d)" % (len(listed), len(table)))
elif set(listed) != set(table):
    bad("core/config.c: config_core_keys[] and core_keys[] disagree: only in one: %s"
        % " ".join(sorted(set(listed) ^ set(table))))
else:
    ok("core/config.c: %d [core] keys, config_core_keys[] and core_keys[] agree" % len(table))
core_keys = set(listed) | set(table)

plugins = {}  # name -> set of keys
# a folder per plugin, read as one (its key list may be in another file
# than its descriptor); the example is built out of tree, tcptrack-plugin(7)
# tells of it
for d in sorted(os.listdir(os.path.join(top, "plugins"))):
    if d == "example" or not os.path.isdir(os.path.join(top, "plugins", d)):
        continue
    f = d + "/"
    code = "\n".join(c_code(read("plugins/" + f + c))
                     for c in sorted(os.listdir(os.path.join(top, "plugins", d))) if c.endswith(".c"))
    m = re.search(r"TT_PLUGIN_EXPORT\s+const\s+struct\s+tt_plugin\s+tcptrack_plugin\s*=\s*\{", code)
    if not m:
        continue
    desc = code[m.end():code.find("};", m.end())]
    name = re.search(r"\.name\s*=\s*" + STRING, desc)
    keys = re.search(r"\.keys\s*=\s*(\w+)", desc)
    if not name:
        bad("plugins/%s: a plugin descriptor without .name" % f)
        continue
    ks = set()
    if keys and keys.group(1) != "NULL":
        body = array_body(code, keys.group(1))
        if body is None:
            bad("plugins/%s: cannot find the array %s[]" % (f, keys.group(1)))
            continue
        ks = set(re.findall(STRING, body))
    plugins[name.group(1)] = ks
    ok("plugins/%s: plugin %s, %d keys" % (f, name.group(1), len(ks)))

# ---- running the program ----


# The examples' system paths, made here: --check-config checks that an
# output's directory and a chroot exist, and loads the files the
# prometheus output reads (a certificate and its key, users), as a start
# would need them.
host_paths = {"/var/log/tcptrack/": os.path.join(tmp, "log") + "/",
              "/var/empty": os.path.join(tmp, "empty"),
              "/etc/tcptrack/": os.path.join(tmp, "etc") + "/"}
for d in host_paths.values():
    os.makedirs(d, exist_ok=True)
etc = os.path.join(tmp, "etc")
have_cert = shutil.which("openssl") is not None and subprocess.run(
    ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
     "-days", "2", "-subj", "/CN=tcptrack", "-keyout", os.path.join(etc, "metrics.key"),
     "-out", os.path.join(etc, "metrics.crt")], capture_output=True).returncode == 0
with open(os.path.join(etc, "metrics.users"), "w") as f:
    f.write("prometheus:$6$tcptrack$sBShaOH397.jCjWMJyR9bfi4JRfwuJdS19SgurVtrqiP9XMZQSV9ntZQkh/qHZWdBBdf4l9K02WVp...GPWFu.\n")


def run(args, conf=None):
    if conf is not None:
        for system, here in host_paths.items():
            conf = conf.replace(system, here)
        path = os.path.join(tmp, "probe.conf")
        with open(path, "w") as f:
            f.write(conf)
        os.chmod(path, 0o600)
        args = ["-c", path] + args
    p = subprocess.run([tcptrack] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, env=dict(os.environ, TERM="dumb"))
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def built(plugin):
    return os.path.exists(os.path.join(plugdir, plugin + ".so"))


# With no output, --check-config loads the default one by name, from
# plugin_dir: [core] probes name csv by its path instead.
core_args = ["--check-config"]
if built("csv"):
    core_args += ["-o", os.path.join(plugdir, "csv.so") + ":file=-"]


def check(conf, core=False):
    return run(core_args if core else ["--check-config"], conf)


def refuses_key(section, key, value="1"):
    """Whether the program refuses `key` as unknown in section."""
    conf = "%s\n%s = %s\n" % (section, key, value)
    rc, out, err = check(conf, section == "[core]")
    return rc != 0 and "unknown key" in err, err.strip()


# the built plugins accept the keys their sources list, and refuse others
probe = "tcptrack_docs_no_such_key"
r, _ = refuses_key("[core]", probe)
if not r:
    bad("the program does not refuse an unknown [core] key: the probes below mean nothing")
for k in sorted(core_keys):
    r, err = refuses_key("[core]", k, "")
    if r:
        bad("[core] key %s is in core/config.c but the program refuses it: %s" % (k, err))
for name, ks in sorted(plugins.items()):
    if not built(name):
        note("plugin %s is not built: its keys are checked against its source only" % name)
        continue
    sect = "[output docs]\nplugin = %s" % name
    r, err = refuses_key(sect, probe)
    if not r:
        bad("plugin %s does not refuse an unknown key (%s)" % (name, err))
        continue
    wrong = [k for k in sorted(ks) if refuses_key(sect, k)[0]]
    if wrong:
        bad("plugin %s.so refuses keys its source lists: %s" % (name, " ".join(wrong)))
    else:
        ok("plugin %s.so accepts the %d keys of its source" % (name, len(ks)))

# ---- man pages: roff to text ----


def plain(s):
    s = re.sub(r"\\f(\[[^]]*\]|\(..|.)", "", s)
    s = s.replace("\\-", "-").replace("\\e", "\\").replace("\\(aq", "'")
    s = s.replace("\\~", " ").replace("\\ ", " ").replace("\\&", "").replace("\\%", "")
    return s


def macro_text(line):
    """The text of a line: a macro's arguments joined as roff shows them."""
    if not line.startswith("."):
        return plain(line)
    parts = line.split(None, 1)
    if len(parts) < 2:
        return ""
    args = re.findall(r'"((?:[^"]|"")*)"|(\S+)', parts[1])
    words = [a if a or not b else b for a, b in args]
    if parts[0] in (".BR", ".RB", ".BI", ".IB", ".IR", ".RI"):
        return plain("".join(words))
    return plain(" ".join(words))


def sections(page):
    """[(heading, [lines])] of a page, by .SH."""
    out, cur = [], None
    for line in page.split("\n"):
        if line.startswith(('.\\"', "'\\\"", '.\\#')):
            continue  # a roff comment
        if line.startswith(".SH"):
            cur = (macro_text(line).strip(), [])
            out.append(cur)
        elif cur is not None:
            cur[1].append(line)
    return out


def tags(lines):
    """(tag text, paragraph lines) of every .TP entry of lines."""
    out = []
    for i, line in enumerate(lines):
        if line.startswith(".TP") and i + 1 < len(lines):
            j = i + 2
            while j < len(lines) and not re.match(r"\.(TP|SH|SS|PP|RE|RS)\b", lines[j]):
                j += 1
            out.append((macro_text(lines[i + 1]).strip(), lines[i + 2:j]))
    return out


def version():
    rc, out, err = run(["-v"])
    m = re.match(r"tcptrack (\S+)", out)
    return m.group(1) if m else None


ver = version()
for page in ("man/tcptrack.8", "man/tcptrack.conf.5", "man/tcptrack-plugin.7"):
    th = re.search(r'^\.TH .*"tcptrack ([^"]+)"', read(page), re.M)
    if not th or th.group(1) != ver:
        bad("%s: .TH names tcptrack %s, the program is %s" % (page, th.group(1) if th else "?", ver))
    if shutil.which("groff"):
        p = subprocess.run(["groff", "-ww", "-man", "-z", os.path.join(top, page)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if p.returncode or p.stderr:
            bad("%s: groff -ww -man: %s" % (page, p.stderr.decode().strip()))
        else:
            ok("%s: groff -ww -man -z is silent" % page)
    if shutil.which("man"):
        p = subprocess.run(["man", "--warnings", "-l", os.path.join(top, page)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=dict(os.environ, MANWIDTH="80", MANPAGER="cat", PAGER="cat",
                                    LC_ALL="C.UTF-8"))
        if p.returncode or p.stderr.strip():
            bad("%s: man --warnings -l: %s" % (page, p.stderr.decode().strip()))
        else:
            ok("%s: man --warnings -l is silent" % page)
if not shutil.which("groff") or not shutil.which("man"):
    note("groff or man is not installed: the pages were not linted")

# ---- tcptrack.conf(5) ----
conf5 = read("man/tcptrack.conf.5")
documented = {}  # section -> {key: paragraph}
where = {}
for head, lines in sections(conf5):
    m = re.match(r"THE \[core\] SECTION$|THE (\S+) PLUGIN$|OUTPUT SECTIONS$", head)
    entries = [(t, p) for t, p in tags(lines) if re.match(r"[a-z][a-z0-9_]* = ", t)]
    if not m:
        for t, _ in entries:
            bad("tcptrack.conf(5): key entry '%s' in section %s, which is no key section" % (t, head))
        continue
    sect = "core" if head.startswith("THE [core]") else "output" if head.startswith("OUTPUT") else m.group(1)
    documented[sect] = {}
    for t, para in entries:
        key = t.split(" ", 1)[0]
        if key in documented[sect]:
            bad("tcptrack.conf(5): key %s documented twice in %s" % (key, head))
        documented[sect][key] = "\n".join(para)

want = {"core": core_keys, "output": {"plugin"}}
want.update(plugins)
for sect in sorted(set(want) | set(documented)):
    label = "[core]" if sect == "core" else "[output NAME]" if sect == "output" else "plugin " + sect
    if sect not in documented:
        bad("tcptrack.conf(5) has no section for %s (keys: %s)" % (label, " ".join(sorted(want[sect]))))
        continue
    if sect not in want:
        bad("tcptrack.conf(5) documents %s, which the code does not have" % label)
        continue
    missing = sorted(want[sect] - set(documented[sect]))
    extra = sorted(set(documented[sect]) - want[sect])
    for k in missing:
        bad("%s key %s, accepted by the code, is missing from tcptrack.conf(5)" % (label, k))
    for k in extra:
        bad("tcptrack.conf(5) names %s key %s, which the code does not accept" % (label, k))
    for k, para in sorted(documented[sect].items()):
        text = plain(para)
        if "Default" not in text or "Example" not in text:
            bad("tcptrack.conf(5): %s key %s has no Default or no Example" % (label, k))
    if not missing and not extra:
        ok("tcptrack.conf(5) documents exactly the %d key(s) of %s" % (len(want[sect]), label))

# the example of every key is a value the program takes
for sect, keys in sorted(documented.items()):
    if sect not in want:
        continue
    for k, para in sorted(keys.items()):
        lines = para.split("\n")
        ex = None
        for i, line in enumerate(lines):
            if "Example" in line:
                rest = " ".join(macro_text(x) for x in lines[i:i + 3])
                m = re.search(r"Example:?\s*(%s = .*?)\s*\.?$" % re.escape(k), rest)
                if m:
                    ex = m.group(1)
                break
        if ex is None:
            bad("tcptrack.conf(5): cannot read the example of %s key %s" % (sect, k))
            continue
        value = ex.split(" = ", 1)[1]
        if sect == "core":
            conf = "[core]\n%s = %s\n" % (k, value)
            if k == "chroot":
                conf += "user = root\n"  # a chroot comes with a user
        elif sect == "output":
            if not built(value):
                continue
            conf = "[output docs]\n%s = %s\n" % (k, value)
        else:
            if not built(sect):
                continue
            conf = "[output docs]\nplugin = %s\n%s = %s\n" % (sect, k, value)
        rc, out, err = check(conf, sect == "core")
        # a refusal by check() of the rest of the section is fine: only the
        # key itself must be taken
        if rc != 0 and ("key '%s'" % k in err or "unknown key" in err):
            bad("tcptrack.conf(5): the example '%s' of %s is refused: %s" % (ex, sect, err.strip()))
ok("tcptrack.conf(5): the example of every key was tried")

# the INI examples of the page
blocks = re.findall(r"^\.EX\n(.*?)^\.EE", conf5, re.M | re.S)
n = 0
for b in blocks:
    text = "\n".join(plain(x) for x in b.split("\n"))
    if not text.lstrip().startswith("["):
        continue
    need = re.findall(r"^plugin = (\S+)", text, re.M)
    if [p for p in need if not built(p)]:
        note("tcptrack.conf(5) example needs a plugin not built: %s" % " ".join(need))
        continue
    rc, out, err = run(["--check-config"], text)
    n += 1
    if rc != 0:
        bad("tcptrack.conf(5): an example configuration is refused: %s" % err.strip())
ok("tcptrack.conf(5): %d example configurations pass --check-config" % n)

# ---- tcptrack(8) ----
page8 = read("man/tcptrack.8")
secs8 = dict(sections(page8))
rc, helptext, err = run(["-h"])
flags = set()
for line in helptext.split("\n"):
    m = re.match(r"\s+(--?[A-Za-z][-A-Za-z]*)", line)
    if m:
        flags.add(m.group(1))
for cluster in re.findall(r"\[-([A-Za-z]+)\]", helptext):
    flags.update("-" + c for c in cluster)
for opt in re.findall(r"\[(-[A-Za-z]) ", helptext) + re.findall(r"\| (-[A-Za-z]) ", helptext):
    flags.add(opt)
if rc != 0 or len(flags) < 5:
    bad("tcptrack -h: exit %d, flags read: %s" % (rc, " ".join(sorted(flags))))
opt_tags = set()
for t, _ in tags(secs8.get("OPTIONS", [])):
    opt_tags.update(re.findall(r"(?<![\w-])(--?[A-Za-z][-A-Za-z]*)", t))
for f in sorted(flags - opt_tags):
    bad("flag %s of tcptrack -h is missing from the OPTIONS of tcptrack(8)" % f)
for f in sorted(opt_tags - flags):
    # --help and --version: accepted, though -h lists their short forms
    rc, out, err = run([f])
    if rc != 0:
        bad("tcptrack(8) documents %s, which tcptrack -h does not list and the program refuses" % f)
if not flags - opt_tags:
    ok("tcptrack(8) documents the %d flags of -h" % len(flags))

# the keys of the view (its table is in one of the view's sources)
top_dir = os.path.join(top, "plugins/top")
if os.path.isdir(top_dir):
    code = "\n".join(c_code(read("plugins/top/" + c)) for c in sorted(os.listdir(top_dir)) if c.endswith(".c"))
    body = array_body(code, "actions")
    names = {"KEY_UP": "Up", "KEY_DOWN": "Down", "KEY_LEFT": "Left", "KEY_RIGHT": "Right",
             "KEY_PPAGE": "PgUp", "KEY_NPAGE": "PgDn", "KEY_HOME": "Home", "KEY_END": "End",
             "KEY_ENTER": "Enter", "KEY_BACKSPACE": "Backspace", "KEY_DC": "Delete",
             "KEY_IC": "Insert", "KEY_ESC": "Esc"}
    keys = set()
    for group in re.findall(r"\{\s*\{([^}]*)\}", body or ""):
        for ctrl, fkey, kname, ch in re.findall(
                r"KCTRL\s*\(\s*'(.)'\s*\)|KEY_F\s*\(\s*(\d+)\s*\)|(KEY_[A-Z]+)|'(\\.|[^'])'", group):
            if ctrl:
                keys.add("^" + ctrl.upper())
            elif fkey:
                keys.add("F" + fkey)
            elif kname:
                keys.add(names.get(kname, kname))
            else:
                ch = {"\\\\": "\\", "\\'": "'", " ": "space"}.get(ch, ch)
                keys.add(ch)
    if not keys:
        bad("plugins/top: cannot read the key table actions[]")
    shown = set()
    for t, _ in tags(secs8.get("KEYS", [])):
        t = t.replace("(or ", " ").replace(")", " ")
        for w in t.split():
            shown.add(w[:-1] if len(w) > 1 and w.endswith(",") else w)
    missing = sorted(keys - shown)
    for k in missing:
        bad("key %s of the view (plugins/top) is missing from KEYS in tcptrack(8)" % k)
    if keys and not missing:
        ok("tcptrack(8) documents the %d keys of the view" % len(keys))
else:
    note("plugins/top is not there: the view's keys were not checked")

# ---- conf/ ----
conf_dir = os.path.join(top, "conf")
samples = sorted(f for f in os.listdir(conf_dir) if f.endswith(".conf"))
for f in samples:
    text = read("conf/" + f)
    need = re.findall(r"^plugin = (\S+)", text, re.M)
    if [p for p in need if not built(p)]:
        note("conf/%s not checked: it needs a plugin not built (%s)" % (f, " ".join(need)))
        continue
    if "tls_cert = /etc/tcptrack/" in text and not have_cert:
        note("conf/%s not checked: no openssl to make its certificate" % f)
        continue
    rc, out, err = run(["--check-config"], text)
    if rc != 0:
        bad("conf/%s: tcptrack --check-config: %s" % (f, err.strip()))
    else:
        ok("conf/%s passes --check-config" % f)

# the sample: every key, [core] live; its outputs once uncommented
sample = read("conf/tcptrack.conf")
m = re.search(r"^\[core\]\n(.*?)(^\[|^;\[|\Z)", sample, re.M | re.S)
live = re.findall(r"^([a-z_]+) =", m.group(1) if m else "", re.M)
missing = sorted(core_keys - set(live))
if missing:
    bad("conf/tcptrack.conf: [core] lacks %s" % " ".join(missing))
uncommented = re.sub(r"^;([a-z_\[])", r"\1", sample, flags=re.M)
cur, seen = None, {}
for line in uncommented.split("\n"):
    m = re.match(r"\[output \S+\]", line)
    if m:
        cur = None
    m = re.match(r"plugin = (\S+)", line)
    if m:
        cur = m.group(1)
        seen.setdefault(cur, set())
    m = re.match(r"([a-z_]+) =", line)
    if m and cur:
        seen[cur].add(m.group(1))
for name, ks in sorted(plugins.items()):
    lack = sorted(ks - seen.get(name, set()))
    if lack:
        bad("conf/tcptrack.conf: the %s section lacks %s" % (name, " ".join(lack)))
if not missing and all(not (ks - seen.get(n, set())) for n, ks in plugins.items()):
    ok("conf/tcptrack.conf holds every key")
if all(built(p) for p in seen):
    rc, out, err = run(["--check-config"], uncommented)
    if rc != 0:
        bad("conf/tcptrack.conf with its outputs uncommented: %s" % err.strip())
    else:
        ok("conf/tcptrack.conf with its outputs uncommented passes --check-config")

print("%d check(s) failed" % failures if failures else "all checks passed")
sys.exit(1 if failures else 0)
EOF
