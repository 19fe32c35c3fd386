"""QEMU facts per release, read from ``data/qemu-<X.Y>.json`` (standard library only).

The files are written by ``tools/extract_qemu_facts.py`` from QEMU's sources; the
index (``data/index.json``) lists every feature release from 4.0 to the newest that
Debian ships, and which of them have no data.  A boundary that falls next to a
missing release is given as "between A and B", never guessed.

    from nested_snippets import qemu
    qemu.versions()                          # ['4.0', '4.1', ..., '10.2']
    r = qemu.release("7.2")
    r.cpu_model("EPYC").svm                  # True: the model's CPUID has SVM
    r.kvm_flag("EPYC", "svm")                # False: KVM's defaults turn it off
    qemu.since(qemu.FACTS["arm-virt-kvm-el2"])   # '10.1'
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from nested_snippets.versions import spoken

DATA = Path(__file__).resolve().parent / "data"


def key(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in version.split("."))


@cache
def index() -> dict:
    return json.loads((DATA / "index.json").read_text())


def series() -> list[str]:
    """Every feature release from the first to the newest Debian ships, with or without data."""
    return [r["version"] for r in index()["releases"]]


def versions() -> list[str]:
    """Releases with data, oldest first."""
    return sorted((p.stem.removeprefix("qemu-") for p in DATA.glob("qemu-*.json")), key=key)


def latest() -> str:
    """The newest release with data."""
    return versions()[-1]


def extracted_on() -> str:
    """The date the newest data file was extracted (ISO)."""
    return max(json.loads(p.read_text())["provenance"]["extracted_on"]
               for p in DATA.glob("qemu-*.json"))  # fmt: skip


def missing() -> list[str]:
    return [r["version"] for r in index()["releases"] if r["status"] == "missing"]


@dataclass(frozen=True)
class Model:
    """One ``-cpu`` name resolved to a model version."""

    name: str
    base: str
    version: int | None
    vmx: bool
    svm: bool
    source: str


class Release:
    """The facts of one QEMU release."""

    def __init__(self, data: dict) -> None:
        self.data = data
        self.version: str = data["version"]
        self.release: str = data["release"]

    # --------------------------------------------------------------- CPU models
    @property
    def _models(self) -> list[dict]:
        """The models, each with its versions; a model without a version list gets
        the one implicit version QEMU gives it (``default_version_list``)."""
        implicit = self.data["x86_cpu_models"].get("implicit_version")
        out = []
        for m in self.data["x86_cpu_models"]["models"]:
            if not m["versions"] and implicit is not None:
                only = {"version": implicit, "alias": None, "vmx": m["vmx"], "svm": m["svm"],
                        "props": []}  # fmt: skip
                m = {**m, "versions": [only]}
            out.append(m)
        return out

    def cpu_model_names(self) -> set[str]:
        """Every x86 model name ``-cpu help`` lists (base, ``-vN`` and aliases)."""
        names = set()
        for m in self._models:
            names.add(m["name"])
            for v in m["versions"]:
                names.add(f"{m['name']}-v{v['version']}")
                if v["alias"]:
                    names.add(v["alias"])
        return names

    def cpu_model(self, name: str) -> Model | None:
        """The model a ``-cpu`` name selects (an unversioned name: its default version)."""
        default = self.data["x86_cpu_models"]["unversioned_default"]
        for m in self._models:
            for v in m["versions"]:
                if name in (f"{m['name']}-v{v['version']}", v["alias"]) or (
                    name == m["name"] and v["version"] == default
                ):
                    return Model(name, m["name"], v["version"], v["vmx"], v["svm"], m["source"])
            if name == m["name"]:
                return Model(name, m["name"], None, m["vmx"], m["svm"], m["source"])
        return None

    def kvm_default_props(self) -> dict[str, str]:
        props = self.data["x86_cpu_models"]["kvm_default_props"]
        return dict(props["props"]) if props else {}

    def kvm_flag(self, cpu_option: str, flag: str) -> bool | None:
        """Whether ``-accel kvm -cpu MODEL[,flag=on...]`` asks for ``flag`` (vmx/svm).

        The model's definition, then KVM's defaults for named models, then the
        options given on the command line, in QEMU's order.  None: unknown model.
        """
        name, *opts = cpu_option.split(",")
        model = self.cpu_model(name)
        if model is None:
            return None
        value = getattr(model, flag)
        if flag in self.kvm_default_props():
            value = self.kvm_default_props()[flag] == "on"
        for opt in opts:
            k, _, v = opt.partition("=")
            if k.lstrip("+-") == flag:
                value = v in ("on", "true", "yes") if v else not k.startswith("-")
        return value

    # ---------------------------------------------------------------- migration
    @property
    def migration(self) -> dict:
        return self.data["x86_migration"]

    def migration_messages(self) -> list[str]:
        """What QEMU says when it stops migrating a nested (VMX) guest."""
        m = self.migration
        return [x["message"] for x in m["blockers"] + m["save_errors"]]

    # ---------------------------------------------------------------- pseries
    def spapr_cap(self, name: str) -> dict | None:
        """``nested-hv`` / ``nested-papr``: None if this release lacks it."""
        return self.data["spapr_caps"].get(name)

    def spapr_messages(self, name: str) -> list[str]:
        cap = self.spapr_cap(name)
        return [m["message"] for m in cap["apply_messages"]] if cap else []

    # -------------------------------------------------------------- arm64 virt
    @property
    def arm_virt(self) -> dict:
        return self.data["arm_virt"]

    def arm_virt_messages(self) -> list[str]:
        """Messages QEMU may print for ``virtualization=on`` under KVM (as printed)."""
        return [c["rendered"] for c in self.arm_virt["checks"]]

    def messages(self) -> list[str]:
        """Every nesting-related message this release's data holds."""
        out = self.migration_messages()
        out += [x["message"] for x in self.migration["load_errors"]]
        out += self.arm_virt_messages()
        for cap in ("nested-hv", "nested-papr"):
            out += self.spapr_messages(cap)
        return out

    # ------------------------------------------------------------ IBM Z (s390x)
    @property
    def s390x(self) -> dict:
        return self.data["s390x"]

    def s390x_machine_names(self) -> set[str]:
        """Every ``s390-ccw-virtio*`` name ``qemu-system-s390x -machine help`` lists."""
        m = self.s390x["machines"]
        return {t["name"] for t in m["types"]} | {m["alias"]}

    def s390x_default_machine(self) -> str:
        """The machine type QEMU starts without ``-machine`` (the alias points to it)."""
        return next(t["name"] for t in self.s390x["machines"]["types"] if t["latest"])

    def s390x_cpu_model_names(self, kvm: bool = True) -> set[str]:
        """Every ``-cpu`` name; ``kvm``: of a build with KVM (``host`` is built only
        with it, so ``-cpu help`` of a QEMU built on another architecture lacks it)."""
        cpu = self.s390x["cpu"]
        names = {m["name"] for m in cpu["models"]}
        if cpu["static_suffix"]:
            names |= {n + cpu["static_suffix"] for n in names}
        return names | {c["name"] for c in cpu["classes"]
                        if kvm or c["built_only_with"] != "CONFIG_KVM"}  # fmt: skip

    def s390x_cpu_features(self) -> set[str]:
        return {f["name"] for f in self.s390x["cpu"]["features"]}

    def s390x_problems(self, cpu_args: list[str], machine_args: list[str],
                       kvm: bool) -> list[str]:  # fmt: skip
        """What this release's ``qemu-system-s390x`` lacks of a line's ``-cpu`` and
        ``-machine`` arguments (empty: it has all).  ``host`` needs KVM."""
        out = []
        for arg in machine_args:
            mtype = arg.split(",")[0]
            if mtype not in ("help", "?") and mtype not in self.s390x_machine_names():
                out.append(f"QEMU {self.version} has no machine type {mtype}")
        for arg in cpu_args:
            model, *props = arg.split(",")
            if model in ("help", "?"):
                continue
            if model not in self.s390x_cpu_model_names(kvm=True):
                out.append(f"QEMU {self.version} has no s390x CPU model {model}")
            elif model not in self.s390x_cpu_model_names(kvm=False) and not kvm:
                out.append(f"-cpu {model} exists only in a KVM build and runs only with KVM")
            for prop in props:
                name = prop.split("=")[0].lstrip("+-")
                if name not in self.s390x_cpu_features():
                    out.append(f"QEMU {self.version} has no s390x CPU feature {name}")
        return out

    # -------------------------------------------------------- message catalogue
    def catalogue(self) -> list[dict]:
        """Every message of the catalogue's files: call, format, function, file:line."""
        return self.data.get("message_catalogue", {}).get("messages", [])

    def printing(self, text: str) -> list[dict]:
        """The catalogue entries (and nesting messages) that print ``text``.

        ``text`` is a line as QEMU prints it (``Could not access KVM kernel module:
        Permission denied``; a leading ``qemu-system-ARCH:`` is dropped), or the
        format itself as a source quotes it (``failed to initialize %s: %s``).  A
        ``text`` ending in ``...`` or ``:`` is the start of a line.
        """
        text = " ".join(re.sub(r"^qemu-system-\w+: ", "", text.strip()).split())
        partial = text.endswith(("...", "…", ":"))
        text = text.removesuffix("...").removesuffix("…").rstrip()
        entries = self.catalogue() + [{"call": None, "message": m, "function": None,
                                        "source": None} for m in self.messages()]  # fmt: skip
        return [e for e in entries if prints(e["message"], text, e["call"], partial)]


_CONVERSION = re.compile(
    r"%%|%[-+ #0']*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?:hh|h|ll|l|z|j|t|L)?([diouxXsScpmfFgGeE])"
)
_WILD = {"d": r"-?\d+", "i": r"-?\d+", "u": r"\d+", "o": r"[0-7]+", "x": r"[0-9a-f]+",
         "X": r"[0-9A-F]+", "c": r"\S", "p": r"(?:0x)?[0-9a-f]+"}  # fmt: skip


@cache
def _tokens(fmt: str) -> tuple[tuple[bool, str], ...]:
    """(is_literal, text or regex) of a C format, in order."""
    out: list[tuple[bool, str]] = []
    pos = 0
    for m in _CONVERSION.finditer(fmt):
        if m.start() > pos:
            out.append((True, fmt[pos : m.start()]))
        if m.group(0) == "%%":
            out.append((True, "%"))
        else:
            out.append((False, _WILD.get(m.group(1), r".+?")))
        pos = m.end()
    if pos < len(fmt):
        out.append((True, fmt[pos:]))
    return tuple((lit, re.sub(r"\s+", " ", t) if lit else t) for lit, t in out)


@cache
def _regex(tokens: tuple[tuple[bool, str], ...]) -> re.Pattern:
    return re.compile("".join(re.escape(t) if lit else f"(?:{t})" for lit, t in tokens))


@cache
def _prefix_regex(tokens: tuple[tuple[bool, str], ...], then: str) -> re.Pattern:
    """The first tokens, then any start of the literal ``then``."""
    start = ""
    for ch in reversed(then):
        start = f"(?:{re.escape(ch)}{start})?"
    return re.compile(_regex(tokens).pattern + start)


def prints(fmt: str, text: str, call: str | None = None, partial: bool = False) -> bool:
    """Whether a message with C format ``fmt`` prints ``text`` (whitespace folded);
    ``partial``: prints a line that starts with ``text``.  ``text`` may also be the
    format itself.  ``error_setg_errno`` appends ``": "`` and the error's text."""
    fmt = " ".join(fmt.split())
    text = text.removesuffix("\\n")
    if call == "error_setg_errno":
        fmt += ": %s"
    if text == fmt or (partial and fmt.startswith(text)):
        return True
    tokens = _tokens(fmt)
    if sum(len(re.findall(r"[A-Za-z]{2,}", t)) for lit, t in tokens if lit) < 2:
        return False  # "%s", "%s: %s": says nothing of its own
    if not partial:
        return _regex(tokens).fullmatch(text) is not None
    for k in range(len(tokens) + 1):
        then = tokens[k][1] if k < len(tokens) and tokens[k][0] else ""
        if _prefix_regex(tokens[:k], then).fullmatch(text):
            return True
    return False


@cache
def release(version: str) -> Release:
    """The data of ``version`` (X.Y or X.Y.Z); KeyError names the releases there are."""
    short = ".".join(version.split(".")[:2])
    path = DATA / f"qemu-{short}.json"
    if not re.fullmatch(r"\d+\.\d+", short) or not path.exists():
        raise KeyError(f"no QEMU data for {version}; there is data for {', '.join(versions())}")
    return Release(json.loads(path.read_text()))


def releases() -> list[Release]:
    return [release(v) for v in versions()]


# ------------------------------------------------------------------ boundaries
Predicate = Callable[[Release], bool]

SOURCE_PROBES: dict[str, tuple[tuple[str, ...], str]] = {
    "svm-nested-state-format": (
        ("target/i386/kvm/kvm.c", "target/i386/kvm.c"),
        "KVM_STATE_NESTED_FORMAT_SVM",
    ),
    "create-vm-error-number": (
        ("accel/kvm/kvm-all.c",),
        '"ioctl(KVM_CREATE_VM) failed: %d %s\\n"',
    ),
    "x86-vmx-feature-words": (("target/i386/cpu.c",), "FEAT_VMX_PROCBASED_CTLS"),
}
"""Source text a release's files show exactly when a fact holds: name -> (the file, under
its older and newer paths, and the C text as written, comments left out). The data's
``probes`` holds ``path:line`` of each one found (tools/extract_qemu_facts.py)."""


def _probe(name: str) -> Predicate:
    return lambda r: name in r.data.get("probes", {})


FACTS: dict[str, Predicate] = {
    # kvm_arch_init_vcpu() labels an SVM vCPU's nested state with the SVM format
    "svm-nested-state-format-set": _probe("svm-nested-state-format"),
    # kvm_init(): "ioctl(KVM_CREATE_VM) failed: 16 Device or resource busy"
    "create-vm-prints-errno": _probe("create-vm-error-number"),
    # VMX capability MSRs built from feature words, for named CPU models too
    "x86-vmx-feature-words": _probe("x86-vmx-feature-words"),
    "vmx-migration-blocker": lambda r: bool(r.migration["blockers"]),
    "vmx-nested-state-migration": lambda r: "vmx" in r.migration["nested_state_formats"],
    "svm-nested-state-migration": lambda r: "svm" in r.migration["nested_state_formats"],
    "vmx-save-needs-exception-payload": lambda r: any(
        "kvm_has_exception_payload" in (m["condition"] or "") for m in r.migration["save_errors"]
    ),
    "kvm-svm-off-by-default": lambda r: r.kvm_default_props().get("svm") == "off",
    "cap-nested-hv": lambda r: r.spapr_cap("nested-hv") is not None,
    "cap-nested-papr": lambda r: r.spapr_cap("nested-papr") is not None,
    "arm-virt-kvm-el2": lambda r: r.arm_virt["virtualization_with_kvm"] == "allowed",
    "arm-virt-kvm-rejected": lambda r: r.arm_virt["virtualization_with_kvm"] == "rejected",
    "x86-versioned-cpu-models": lambda r: r.data["x86_cpu_models"]["implicit_version"] is not None,
    "nested-hv-power9-check": lambda r: any("POWER9" in m for m in r.spapr_messages("nested-hv")),
}
"""Named facts the pages refer to (``:qemu-since:`arm-virt-kvm-el2```)."""


def message_fact(text: str) -> Predicate:
    """True in a release whose data holds the message ``text`` (exactly): a nesting
    message or one of the catalogue's."""
    return lambda r: text in r.messages() or any(e["message"] == text for e in r.catalogue())


def _span(pred: Predicate) -> list[tuple[str, bool | None]]:
    have = set(versions())
    return [(v, pred(release(v)) if v in have else None) for v in series()]


def since(pred: Predicate) -> str:
    """First release where ``pred`` holds: 'X.Y', 'between A and B', 'before X.Y', or
    'X.Y or earlier (no data before X.Y)' when it holds in the oldest data."""
    span = _span(pred)
    for i, (v, ok) in enumerate(span):
        if ok:
            j = i - 1
            while j >= 0 and span[j][1] is None:
                j -= 1
            if j < 0:
                if i == 0:
                    return f"{v} or earlier (no data before {v})"
                return f"between {span[0][0]} and {v}"
            if j == i - 1:
                return v if span[j][1] is False else f"before {v}"
            return f"between {span[j][0]} and {v}"
    raise ValueError("the fact holds in no release with data")


def until(pred: Predicate) -> str:
    """Last release where ``pred`` holds: 'X.Y', 'between A and B' or 'X.Y or later'."""
    span = _span(pred)
    for i in range(len(span) - 1, -1, -1):
        v, ok = span[i]
        if ok:
            j = i + 1
            while j < len(span) and span[j][1] is None:
                j += 1
            if j == len(span):
                return v if i == len(span) - 1 else f"{v} or later (no data after {v})"
            return v if j == i + 1 else f"between {v} and {span[j - 1][0]}"
    raise ValueError("the fact holds in no release with data")


def holds_in(pred: Predicate) -> list[str]:
    return [v for v, ok in _span(pred) if ok]


# -------------------------------------------------------------------- messages
def _one(items: list[dict], pred: Callable[[dict], bool]) -> str | None:
    return next((i.get("rendered", i["message"]) for i in items if pred(i)), None)


MESSAGES: dict[str, Callable[[Release], str | None]] = {
    "vmx-migration-blocker": lambda r: _one(r.migration["blockers"], lambda m: True),
    "vmx-save-error": lambda r: _one(r.migration["save_errors"], lambda m: True),
    "arm-virt-kvm-rejected": lambda r: _one(
        r.arm_virt["checks"],
        lambda c: c["under_kvm"] == "always" and "Virtualization" in c["message"]),
    "arm-virt-kvm-no-el2": lambda r: _one(
        r.arm_virt["checks"], lambda c: "kvm_arm_el2_supported" in c["capabilities"]),
    "nested-hv-kvm-lacks": lambda r: _one(
        (r.spapr_cap("nested-hv") or {}).get("apply_messages", []),
        lambda m: m["call"] == "error_setg" and "has_cap_nested" in (m["condition"] or "")),
    "nested-hv-enable-fails": lambda r: _one(
        (r.spapr_cap("nested-hv") or {}).get("apply_messages", []),
        lambda m: m["call"] == "error_setg" and "set_cap_nested" in (m["condition"] or "")),
    "nested-hv-power9": lambda r: _one(
        (r.spapr_cap("nested-hv") or {}).get("apply_messages", []),
        lambda m: m["call"] == "error_setg" and "POWER9" in m["message"]),
    "nested-papr-mutual": lambda r: _one(
        (r.spapr_cap("nested-papr") or {}).get("apply_messages", []),
        lambda m: m["call"] == "error_setg" and "mutually exclusive" in m["message"]),
    "nested-papr-kvm-lacks": lambda r: _one(
        (r.spapr_cap("nested-papr") or {}).get("apply_messages", []),
        lambda m: m["call"] == "error_setg" and "KVM implementation" in m["message"]),
    "image-open-failed": lambda r: _one(
        r.catalogue(),
        lambda e: e["function"] == "qemu_open_internal" and e["call"] == "error_setg_errno"
        and "%s '%s'" in e["message"]),
}  # fmt: skip
"""Messages the pages quote, by key: what each release prints (None: it prints none)."""


def message(key_at: str) -> tuple[str, str]:
    """(message, release) for 'KEY' (newest release with it) or 'KEY@X.Y'."""
    name, _, version = key_at.partition("@")
    if name not in MESSAGES:
        raise KeyError(f"unknown QEMU message {name!r}; known: {', '.join(MESSAGES)}")
    candidates = [version] if version else list(reversed(versions()))
    for v in candidates:
        text = MESSAGES[name](release(v))
        if text is not None:
            return text, v
    raise KeyError(f"QEMU {version or 'data'} has no {name!r} message")


def ranges(found: list[str]) -> list[tuple[str, str]]:
    """Runs of consecutive releases (in :func:`series`) as (first, last)."""
    order = series()
    runs: list[tuple[str, str]] = []
    for v in sorted(found, key=key):
        if runs and order.index(v) == order.index(runs[-1][1]) + 1:
            runs[-1] = (runs[-1][0], v)
        else:
            runs.append((v, v))
    return runs


def describe(found: list[str]) -> str:
    """'4.0', '7.0 to 10.2' or '4.0 to 5.1 and 7.0'; when a run reaches the newest data and
    newer releases have none: '7.0 to 10.2; 11.0 and 11.1 not checked' (no parentheses, so
    the text reads inside a page's own)."""
    if not found:
        return "no release with data"
    parts = [a if a == b else f"{a} to {b}" for a, b in ranges(found)]
    text = " and ".join(parts)
    newest = versions()[-1]
    later = [m for m in missing() if key(m) > key(newest)]
    if ranges(found)[-1][1] == newest and later:
        text += f"; {spoken(later)} not checked"
    return text
