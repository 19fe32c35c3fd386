"""What one fake tool call read of the fake kernel's state: its read-set.

The tool server hands a tool call a :class:`StateView` of the state, never the
state itself: every field, table row, loaded module and parameter the call is handed
goes through the view, which notes the part (a *key*, see :func:`lookup`) with the
value it had.  A container is noted whole (or by its list of keys) before it is
handed out, so that a change the call makes to it (an ``insert``, an ``append``) is a
function of what was noted.  Writes go through to the state.

Keys are tuples that name one part of any :class:`~.state.State` (:func:`lookup`
answers for another host's state): ``("release",)``, ``("params_data", "kvm")``,
``("messages",)`` (the names only), ``("loaded",)`` (the loaded modules' names, in
order), ``("loaded", "kvm", "params", "nested")``, ``("loaded", "kvm", "holders")``,
``("param_row", "kvm", "nested")`` (one row of a parameter table),
``("cmdline_options", "kvm_intel")`` (what the command line gives one module through
modprobe; ``("cmdline_options", "kvm_intel", "builtin")``: built in, from the kernel),
``("cmdline_early",)`` (its words that name an early parameter),
``("cmdline_builtin",)`` (its words for the built-in modules' parameters),
``("cmdline_modules",)`` (what kmod takes from it: the ``options`` and ``blacklist``
lines ``modprobe -c`` prints for it).

A module's parameter table is handed out row by row (:class:`_Rows`): loading a
module copies each value from its own row without noting it, and every later read
of a loaded module's value notes the row it came from as well
(:class:`_LoadedParams`); a value's row is also noted when a run reads its sysfs
file (:func:`nested_snippets.runner.shared.row_reads`), by the fields the file shows
(:data:`SYSFS`).  So a run that shows one parameter depends on that row, not on the
parameters a later release added.

The record of a call also holds the files it opened or listed (a Python audit hook:
:func:`audit_files`) and why the call cannot be shared, if it cannot.  Used by
:mod:`nested_snippets.runner.shared`, which explains what makes this enough.
"""

from __future__ import annotations

import marshal
import os
import sys

from nested_snippets.fakehost import state as fk

MISSING = "\0missing\0"
"""The value of a key that names nothing on a state (a module that is not loaded)."""
WHOLE = (
    "arch", "kernel", "release", "level", "cpu_flags", "builtin", "cmdline", "cpuinfo",
    "machine", "cpu_row", "dmesg", "clock", "next_cmdline", "boot_pending", "boot_nested",
    "hw_first", "firmware_vt", "bool_extra",
)  # fmt: skip
"""Fields noted whole."""
KEYED = ("params_data", "messages", "early_values")
"""Dictionaries noted per key (and by their names when iterated)."""
ROW = "param_row"
"""``(ROW, module, name)``: one row of a module's parameter table (see :class:`_Rows`)."""
SYSFS = "param_sysfs"
"""``(SYSFS, module, name)``: what decides a parameter's sysfs file once its module is
loaded: the row's fields that :func:`.state.insert` and :func:`.state.trees` use (name,
type, permission, default, the CPU flags it requires), not those only ``modinfo`` shows
(description, type as modinfo prints it, source file); ``(SYSFS, module)``: those of
every row, in the table's order, which decide the ``parameters`` directory's listing."""
SYSFS_FIELDS = ("name", "type", "perm", "default", "requires")
EARLY = "cmdline_early"
"""``(EARLY,)``: the words of the command line that name an early parameter."""
BOOT_WORDS = "cmdline_builtin"
"""``(BOOT_WORDS,)``: the words of the command line for the built-in modules'
parameters, in order (:meth:`nested_snippets.fakehost.state.State.boot_words`)."""
MODULE_WORDS = "cmdline_modules"
"""``(MODULE_WORDS,)``: what kmod takes from the command line, as ``modprobe -c``
lines (:func:`nested_snippets.parsers.modprobe_conf.kcmdline_config`)."""
CMDLINE = "cmdline_options"
"""``(CMDLINE, module)``: the options the kernel command line gives a module through
modprobe (kmod's reading: the texts of its ``options`` entries for the module, all a
load takes from the line), ``(CMDLINE, module, "builtin")`` a built-in one (the
kernel's reading: it stops at ``--``, kmod does not; whole words, the module's name as
written, which the boot's messages show); see
:func:`nested_snippets.parsers.modprobe_conf.cmdline_options` and
:func:`~nested_snippets.parsers.modprobe_conf.builtin_words`.  The rest of the line,
``BOOT_IMAGE`` with the release among it, is not read for them."""
assert set(WHOLE) | set(KEYED) | {"loaded"} == set(fk.State.FIELDS)


class Recorder:
    """The reads of one tool call, in order, and what makes it unshareable."""

    def __init__(self) -> None:
        self.reads: dict[tuple, str] = {}
        """Key -> repr of the value first seen (later reads of a key are not noted:
        the call itself wrote any change since)."""
        self.paths: set[str] = set()
        self.why = ""
        self.state: fk.State | None = None
        """The state read (set by :class:`StateView`)."""

    def note(self, key: tuple, value) -> None:
        if key not in self.reads:
            self.reads[key] = canon(value)

    def refuse(self, why: str) -> None:
        self.why = self.why or why

    def to_bytes(self, call: str) -> bytes:
        data = marshal.dumps((call, list(self.reads.items()), sorted(self.paths), self.why))
        return len(data).to_bytes(4, "big") + data


def canon(value) -> str:
    """The text a value is compared by (tuples and lists alike: marshal keeps both)."""

    def plain(v):
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        return v

    return repr(plain(value))


def lookup(state: fk.State, key: tuple):
    """The value ``key`` names on ``state`` (:data:`MISSING` when it names nothing)."""
    field = key[0]
    if field in WHOLE:
        return getattr(state, field)
    if field in KEYED:
        table = getattr(state, field)
        return list(table) if len(key) == 1 else table.get(key[1], MISSING)
    if field == ROW:
        rows = state.params_data.get(key[1], ())
        return next((r for r in rows if r["name"] == key[2]), MISSING)
    if field == SYSFS:
        rows = state.params_data.get(key[1], MISSING)
        if rows is MISSING:
            return MISSING
        shown = [[r[f] for f in SYSFS_FIELDS] for r in rows]
        return shown if len(key) == 2 else next((r for r in shown if r[0] == key[2]), MISSING)
    if field == CMDLINE:
        return fk.State.options_on_cmdline(state, key[1], builtin=key[2:] == ("builtin",))
    if field == EARLY:
        return fk.State.early_words(state)
    if field == BOOT_WORDS:
        return fk.State.boot_words(state)
    if field == MODULE_WORDS:
        return fk.State.module_words(state)
    if field == "loaded":
        if len(key) == 1:
            return [m.name for m in state.loaded]
        mod = state.get(key[1])
        if mod is None:
            return MISSING
        if key[2] == "params":
            return list(mod.params) if len(key) == 3 else mod.params.get(key[3], MISSING)
        return getattr(mod, key[2])
    raise KeyError(f"not a key of the state: {key!r}")


def read_records(data: bytes) -> list[tuple[str, list, list[str], str]]:
    """The records a host's tool calls appended (see :meth:`Recorder.to_bytes`)."""
    out, at = [], 0
    while at + 4 <= len(data):
        size = int.from_bytes(data[at : at + 4], "big")
        chunk = data[at + 4 : at + 4 + size]
        if len(chunk) != size:
            raise ValueError("a read record was cut short")
        out.append(marshal.loads(chunk))
        at += 4 + size
    if at != len(data):
        raise ValueError("a read record was cut short")
    return out


# ------------------------------------------------------------------ the views


class _Keyed:
    """A dictionary of the state noted per key."""

    __slots__ = ("_d", "_rec", "_key")

    def __init__(self, d: dict, rec: Recorder, key: tuple):
        self._d, self._rec, self._key = d, rec, key

    def _names(self) -> list:
        self._rec.note(self._key, list(self._d))
        return list(self._d)

    def __getitem__(self, name):
        self._rec.note((*self._key, name), self._d.get(name, MISSING))
        return self._d[name]

    def get(self, name, default=None):
        self._rec.note((*self._key, name), self._d.get(name, MISSING))
        return self._d.get(name, default)

    def __contains__(self, name) -> bool:
        self._rec.note((*self._key, name), self._d.get(name, MISSING))
        return name in self._d

    def __iter__(self):
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def keys(self):
        return self._names()

    def values(self):
        return [self[n] for n in self._names()]

    def items(self):
        return [(n, self[n]) for n in self._names()]

    def __setitem__(self, name, value) -> None:
        self._names()  # a new name changes the list of names
        self._d[name] = value


class _LoadedParams(_Keyed):
    """A loaded module's values: reading one notes its row too (the value was copied
    from it unnoted, see :func:`.state.insert`); listing them notes the whole table."""

    __slots__ = ()

    def _row(self, name) -> None:
        mod = self._key[1]
        rows = self._rec.state.params_data.get(mod, ())
        self._rec.note((ROW, mod, name), next((r for r in rows if r["name"] == name), MISSING))

    def _names(self) -> list:
        mod = self._key[1]
        self._rec.note(("params_data", mod), self._rec.state.params_data.get(mod, MISSING))
        return super()._names()

    def __getitem__(self, name):
        self._row(name)
        return super().__getitem__(name)

    def get(self, name, default=None):
        self._row(name)
        return super().get(name, default)

    def __contains__(self, name) -> bool:
        self._row(name)
        return super().__contains__(name)


class _Rows:
    """One module's parameter table, by name: each row looked at is noted alone, a
    listing notes the whole table; :meth:`raw` hands the table out unnoted, for
    copying each row's value into that parameter (whose readers note the row)."""

    __slots__ = ("_t", "_rec", "_mod")

    def __init__(self, table: dict[str, dict], rec: Recorder, mod: str):
        self._t, self._rec, self._mod = table, rec, mod

    def _note(self, name) -> None:
        self._rec.note((ROW, self._mod, name), self._t.get(name, MISSING))

    def __getitem__(self, name):
        self._note(name)
        return self._t[name]

    def get(self, name, default=None):
        self._note(name)
        return self._t.get(name, default)

    def __contains__(self, name) -> bool:
        self._note(name)
        return name in self._t

    def _all(self) -> dict:
        self._rec.note(("params_data", self._mod), list(self._t.values()))
        return self._t

    def __iter__(self):
        return iter(list(self._all()))

    def __len__(self) -> int:
        return len(self._all())

    def keys(self):
        return list(self._all())

    def items(self):
        return list(self._all().items())

    def values(self):
        return list(self._all().values())

    def raw(self) -> dict:
        return self._t

    def track(self, vals: dict[str, str]) -> _Tracked:
        return _Tracked(vals, self)


class _Tracked:
    """Parameter values being computed from a :class:`_Rows` table: reading one notes
    its row; :meth:`raw` gives the plain dictionary."""

    __slots__ = ("_v", "_rows")

    def __init__(self, vals: dict[str, str], rows: _Rows):
        self._v, self._rows = vals, rows

    def __getitem__(self, name):
        self._rows._note(name)
        return self._v[name]

    def get(self, name, default=None):
        self._rows._note(name)
        return self._v.get(name, default)

    def __contains__(self, name) -> bool:
        self._rows._note(name)
        return name in self._v

    def __setitem__(self, name, value) -> None:
        self._v[name] = value

    def __iter__(self):
        self._rows._all()
        return iter(list(self._v))

    def raw(self) -> dict[str, str]:
        return self._v


class _Module:
    """A loaded module (its name is part of the noted list of loaded modules)."""

    __slots__ = ("_m", "_rec")

    def __init__(self, m: fk.Loaded, rec: Recorder):
        object.__setattr__(self, "_m", m)
        object.__setattr__(self, "_rec", rec)

    @property
    def name(self) -> str:
        return self._m.name

    @property
    def params(self) -> _Keyed:
        return _LoadedParams(self._m.params, self._rec, ("loaded", self._m.name, "params"))

    def __getattr__(self, attr):
        if attr not in ("holders", "users"):
            raise AttributeError(attr)
        value = getattr(self._m, attr)
        self._rec.note(("loaded", self._m.name, attr), value)
        return value

    def __setattr__(self, attr, value) -> None:
        getattr(self, attr)  # += reads first anyway; a plain set is noted the same
        setattr(self._m, attr, value)


class _LoadedList:
    """The loaded modules: their names, in order, are noted at any use."""

    __slots__ = ("_l", "_rec")

    def __init__(self, items: list, rec: Recorder):
        self._l, self._rec = items, rec
        rec.note(("loaded",), [m.name for m in items])

    def __iter__(self):
        return iter([_Module(m, self._rec) for m in self._l])

    def __len__(self) -> int:
        return len(self._l)

    def __getitem__(self, n):
        got = self._l[n]
        if isinstance(got, list):
            return [_Module(m, self._rec) for m in got]
        return _Module(got, self._rec)

    def insert(self, n: int, mod) -> None:
        self._l.insert(n, _plain(mod))

    def append(self, mod) -> None:
        self._l.append(_plain(mod))

    def remove(self, mod) -> None:
        self._l.remove(_plain(mod))

    def clear(self) -> None:
        self._l.clear()


def _plain(mod):
    return mod._m if isinstance(mod, _Module) else mod


class StateView:
    """The state as a tool call sees it: each read noted in ``rec``, writes through.

    :class:`~.state.State`'s own methods (``get``, ``log``, ``modules``, ...) run with
    the view as ``self``, so what they read is noted too."""

    def __init__(self, state: fk.State, rec: Recorder):
        object.__setattr__(self, "_s", state)
        object.__setattr__(self, "_rec", rec)
        rec.state = state

    def params_of(self, name: str) -> _Rows:
        return _Rows(self._s.params_of(name), self._rec, name)

    def early_words(self) -> list[str]:
        value = self._s.early_words()
        self._rec.note((EARLY,), value)
        return value

    def boot_words(self) -> list[str]:
        value = self._s.boot_words()
        self._rec.note((BOOT_WORDS,), value)
        return value

    def module_words(self) -> list[str]:
        value = self._s.module_words()
        self._rec.note((MODULE_WORDS,), value)
        return value

    def options_on_cmdline(self, module: str, builtin: bool = False) -> list[str]:
        value = self._s.options_on_cmdline(module, builtin)
        self._rec.note((CMDLINE, module, "builtin") if builtin else (CMDLINE, module), value)
        return value

    def __getattr__(self, attr):
        state, rec = self._s, self._rec
        if attr in WHOLE:
            value = getattr(state, attr)
            rec.note((attr,), value)
            return value
        if attr in KEYED:
            return _Keyed(getattr(state, attr), rec, (attr,))
        if attr == "loaded":
            return _LoadedList(state.loaded, rec)
        found = getattr(type(state), attr, None)
        if isinstance(found, property):
            return found.fget(self)
        if callable(found) and not isinstance(found, (classmethod, staticmethod)):
            return found.__get__(self)
        raise AttributeError(f"a tool call may not read {attr!r} of the state")

    def __setattr__(self, attr, value) -> None:
        if attr not in WHOLE:
            raise AttributeError(f"a tool call may not replace {attr!r} of the state")
        setattr(self._s, attr, value)


def unchanged(state: fk.State, start: dict) -> set[str]:
    """The modules loaded at the start of a call (``start``: the state then, as
    :meth:`~.state.State.to_json` gives it) and now, with the same entry: their sysfs
    directories already show them, so saving the state need not rewrite them.

    This compares the state itself, not through the view, and notes nothing: whether
    a module's entry changed during a call is decided by the call's own writes, and
    each write to an entry follows a noted read of it (an insert or a removal notes
    the list of loaded modules, a holder added notes the holders; a value a snippet
    wrote to a parameter makes the call unshareable), so on a host that agrees with
    every noted read the same modules come out unchanged."""
    before = {m["name"]: m for m in start["loaded"]}
    return {m.name for m in state.loaded if before.get(m.name) == m.to_json()}


# ------------------------------------------------------------------ files


TREES = ("/sys", "/proc", "/lib", "/dev")


_audited: Recorder | None = None
"""The recorder of the call now running (None: no record asked); the one audit hook of
the process (:func:`audit_files`) notes into it."""
_hooked = False


def audit_files(rec: Recorder | None) -> None:
    """From now until the next call of this function, note in ``rec`` each file opened
    and each directory listed under the trees; a path that is not absolute makes the
    call unshareable.  ``None`` notes nothing.  The hook is added once per process
    (an audit hook cannot be removed): a tool server's worker serves every call of its
    sandbox and hands each its own recorder.

    Not noted: what :func:`~.state.materialize` opens and lists.  It makes the trees
    show the state (what it reads of the state is noted): whatever they held before,
    the files it writes hold the state's values afterwards, and it removes exactly the
    modules and parameters the state does not have."""
    global _audited, _hooked
    _audited = rec
    if _hooked:
        return
    _hooked = True
    writer = fk.materialize.__code__

    def hook(event: str, args) -> None:
        rec = _audited
        if rec is None or event not in ("open", "os.listdir", "os.scandir"):
            return
        path = args[0] if args else None
        if path is None or isinstance(path, int):
            return  # an open descriptor: what it reads was named when it was opened
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code is writer:
                return
            frame = frame.f_back
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if not isinstance(path, str) or not path.startswith("/"):
            rec.refuse(f"{event} of a relative path {path!r}")
            return
        path = os.path.normpath(path)
        if any(path == t or path.startswith(t + "/") for t in TREES):
            rec.paths.add(path)

    sys.addaudithook(hook)
