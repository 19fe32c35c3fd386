"""The persistent ``nested=`` setting: modprobe.d and the kernel command line.

kmod hands a module the options of modprobe.d files in order and then those from the
kernel command line (kmod 30: ``kmod_config_new()`` calls
``kmod_config_parse_kcmdline()`` after reading the files, libkmod/libkmod-config.c);
the kernel applies them left to right (``parse_args()``, kernel/params.c), so the
last one wins: the command line's, when both set a parameter.  A built-in module
sees only the command line: kmod reads modprobe.d only for a module it loads, and
the kernel hands a built-in module's parameters, named ``MODULE.PARAM``
(``MODULE_PARAM_PREFIX`` is ``KBUILD_MODNAME "."`` in built-in code,
include/linux/moduleparam.h), the words of its command line in ``start_kernel()``:
``parse_args("Booting kernel", ..., __start___param, ...)``; an unknown dotted word
is left for modprobe, which "will find them in /proc/cmdline" (``unknown_bootoption()``,
init/main.c; torvalds/linux commit f0bb4c0ab064a8aeeffbda1cee380151a594eaab, read
2026-12-03).
"""

from __future__ import annotations

from collections.abc import Sequence

from nested_snippets.arches import Arch
from nested_snippets.cli.escape import clip
from nested_snippets.cli.hostfs import HostFS
from nested_snippets.cli.probes import PRESENT
from nested_snippets.cli.results import Result
from nested_snippets.parsers import modprobe_conf, values
from nested_snippets.parsers.modprobe_conf import normalize, split_option


def cmdline_settings(
    cmdline: str, module: str, param: str, builtin: bool = False
) -> list[tuple[str, str | None]]:
    """``kvm-intel.nested=1`` words of a kernel command line, as (where, value): as
    kmod reads them for a loadable module, as the kernel does for a ``builtin`` one
    (:func:`~nested_snippets.parsers.modprobe_conf.cmdline_options`).  kmod keeps
    each option as written (``nested="1"``); the kernel reads them joined, as it
    reads the files' (:meth:`~nested_snippets.parsers.modprobe_conf.Config.options`)."""
    words = modprobe_conf.cmdline_options(cmdline, module, builtin)
    if not builtin:
        words = [word for word, _line in modprobe_conf.Config().options(module, words)]
    options = map(split_option, words)
    return [("kernel command line", value) for name, value in options if normalize(name) == param]


def nested_setting(
    fs: HostFS,
    row: Arch,
    cmdline: str | None,
    state: str,
    cmdline_problem: str = "",
    release: str | None = None,
) -> Result:
    """What nesting will be after the next load of ``row.module`` (or the next boot);
    ``cmdline_problem`` says why a /proc/cmdline that is there could not be read (it
    may hold the last setting, as a directory not read may); ``release`` is the
    running kernel's (``uname -r``), which decides what a bool's value may start with
    (:func:`bool_extra`).

    In the state :data:`~nested_snippets.cli.probes.PRESENT` (/proc/modules not read)
    the module may be loadable or built in: both readings are made, and when their
    last settings differ the result is a WARN that says what each gives."""
    # Below --root a directory that is (or lies below) a symbolic link out of it is
    # not listed: HostFS.outside names the link, as for every other file read.
    outside = [(d, fs.outside(d)) for d in modprobe_conf.CONFIG_DIRS]
    dirs = tuple(d for d, why in outside if not why)
    not_read = [f"{d}: cannot read: {why}" for d, why in outside if why]
    not_read += [cmdline_problem] if cmdline_problem else []
    # the files lint reads too (modprobe_conf.kmod_reads), .alias ones with a note
    cfg = modprobe_conf.read_dirs(
        fs.root, dirs, read=lambda real: fs.read_real(real, modprobe_conf.MAX_FILE), alias=True
    )
    unread = not_read + [p for p in cfg.problems if "cannot read" in p]
    if state != PRESENT:
        return _reading(cfg, row, cmdline or "", state == "built-in", unread, release)[0]
    loadable, last_loadable = _reading(cfg, row, cmdline or "", False, unread, release)
    last_builtin = _reading(cfg, row, cmdline or "", True, unread, release)[1]
    if last_loadable == last_builtin:
        return loadable  # the same last setting (or none) either way
    mod = row.module
    shown = (
        f"/proc/modules not read, so whether {mod} is loadable or built in is not known: "
        f"loadable, it gets {_described(last_loadable)}; built in, it reads only the "
        f"kernel command line: {_described(last_builtin)}"
    )
    if unread:
        shown += f"; not read: {unread[0]}"
    return Result(
        "nested-config",
        "WARN",
        shown,
        "modprobe.d applies only to a loadable module; "
        f"{row.module_dash}.nested=1 on the kernel command line works for both",
        anchor=row.persistent_anchor,
    )


def _described(last: tuple[str, str | None] | None) -> str:
    """(where, value) of the last ``nested=`` a module gets; None: the kernel's default."""
    if last is None:
        return "no nested= (the kernel's default)"
    where, value = last
    return f"nested={clip(value) if value is not None else ''} ({where})"


def _reading(
    cfg: modprobe_conf.Config,
    row: Arch,
    cmdline: str,
    builtin: bool,
    unread: list[str],
    release: str | None = None,
) -> tuple[Result, tuple[str, str | None] | None]:
    """The result for a loadable module (kmod's reading) or a ``builtin`` one (the
    kernel's), and the last setting the module gets in that reading."""
    mod = row.module
    persistent = row.persistent_anchor
    # kmod hands on the files' options and then the command line's as one string
    # (Config.options): a quote a file leaves open takes the command line's in
    after = [] if builtin else modprobe_conf.cmdline_options(cmdline, mod)
    options = cfg.options(mod, after)  # once: a hostile file gives millions of words
    every = [
        (_place(ln), split_option(word)[1])
        for word, ln in options
        if normalize(split_option(word)[0]) == "nested"
    ]
    conf = [(where, value) for where, value in every if where != modprobe_conf.CMDLINE]
    settings = cmdline_settings(cmdline, mod, "nested", True) if builtin else every
    given_names = (
        [("kernel command line", w) for w in modprobe_conf.cmdline_options(cmdline, mod, True)]
        if builtin
        else options
    )
    slips = _last_slip(given_names)
    last = settings[-1] if settings else None
    if conf and builtin:
        where = conf[-1][0]
        return Result(
            "nested-config",
            "WARN",
            f"nested set in {where}, but {mod} is built in",
            f"modprobe.d does not apply to built-in modules: boot with {row.module_dash}.nested=1",
            anchor="builtin-kvm",
        ), last
    given = [] if builtin else cmdline_settings(cmdline, mod, "nested")
    if given and not any(where == modprobe_conf.CMDLINE for where, _ in every):
        return Result(
            "nested-config",
            "WARN",
            f"nested={clip(given[-1][1] or '')} on the kernel command line does not reach "
            f"{mod}: kmod hands it on after the options of modprobe.d, where a quote left "
            "open takes it into another value (or a '--' ends the options)",
            "run nested-kvm lint on /etc/modprobe.d",
            anchor=persistent,
        ), last
    return _judged(row, settings, unread, slips, release), last


def _place(ln: modprobe_conf.Line) -> str:
    """Where an option's line is, as the results name it (``PATH:LINE``)."""
    return ln.path if ln.lineno == 0 else f"{ln.path}:{ln.lineno}"


def _last_slip(given: Sequence[tuple]) -> list[tuple[str, str]]:
    """The last (where, name) of ``given`` (``(where, word)`` or ``(word, Line)``)
    whose name is a slip for ``nested`` (:func:`misspelt_nested`), as a list of at
    most one; each distinct name is judged once (a hostile file repeats them), and a
    place is made only for a slip."""
    memo: dict[str, bool] = {}
    last: list[tuple[str, str]] = []
    for first, second in given:
        where, word = (first, second) if isinstance(first, str) and isinstance(
            second, str) else (second, first)  # fmt: skip
        name = split_option(word)[0]
        slip = memo.get(name)
        if slip is None:
            slip = misspelt_nested(name)
            if len(memo) < 4096:
                memo[name] = slip
        if slip:
            last = [(where if isinstance(where, str) else _place(where), name)]
    return last


def misspelt_nested(name: str) -> bool:
    """Is ``name`` (of an option given to a KVM module) no parameter but a slip for
    ``nested`` (``nestd``, ``Nested``, ``nested_``)?  No parameter of any KVM module
    in the kernel data is that close (tests/cli/test_hostile_s19.py); the kernel
    ignores an unknown one.  ``difflib`` is imported only for a name that is not
    ``nested``."""
    if normalize(name) == "nested" or not 3 <= len(name) <= 14:
        return False  # difflib's ratio with "nested" (2 M / (6 + len)) is under 0.6
    from nested_snippets import suggest

    return bool(suggest.close(normalize(name), ["nested"]))


def bool_extra(release: str | None) -> tuple[str, str] | None:
    """(data version, letters) for the running ``release``: the first letters a bool
    takes there besides :data:`values.STEADY` (:func:`kernel.bool_letters`), read in
    the kernel data's release that answers for it, as ``nested-kvm lint`` picks it (a
    release newer than the data: the newest); None when none answers (no release
    known, or one older than the data).  The data is loaded only here: for a value
    that not every release reads alike."""
    if release is None:
        return None
    from nested_snippets import kernel

    try:
        version = kernel.resolve_version(release)
        return version, kernel.bool_letters(version)
    except kernel.KernelDataError:
        return None


def _judged(
    row: Arch,
    settings: list[tuple[str, str | None]],
    unread: list[str],
    slips: Sequence[tuple[str, str]] = (),
    release: str | None = None,
) -> Result:
    """The last of ``settings`` (none: the kernel's default), judged; ``slips``
    (where, name) are options whose name is a slip for ``nested``
    (:func:`misspelt_nested`), named when nothing sets nested; ``release`` the
    running kernel's (:func:`bool_extra`)."""
    mod = row.module
    persistent = row.persistent_anchor
    if not settings and slips:
        where, name = slips[-1]
        where = where if where.startswith("/") else f"the {where}"
        return Result(
            "nested-config",
            "WARN",
            f"no nested= in modprobe.d or on the kernel command line, but {where} gives "
            f"{mod} {clip(name)!r}; did you mean 'nested'? (the kernel ignores it)",
            "correct the name (nested-kvm lint checks modprobe.d files)",
            anchor=persistent,
        )
    if not settings:
        if unread:
            return Result("nested-config", "SKIP", unread[0])  # "PATH: cannot read: why"
        return Result(
            "nested-config",
            "PASS",
            "no nested= in modprobe.d or on the kernel command line: the kernel's default applies",
        )
    where, value = settings[-1]
    ptype = "bool" if row.nested_on == "Y" else "int"
    shown = f"nested={clip(value) if value is not None else ''} ({where})"
    if len({v for _, v in settings}) > 1:
        shown += f"; overrides {len(settings) - 1} earlier setting(s): run nested-kvm lint"
    if where.partition(":")[0].endswith(".alias"):
        shown += f"; {modprobe_conf.ALIAS_NOTE}"
    if unread:  # it may hold a later setting
        shown += f"; not read: {unread[0]}"
    extra = ""
    if ptype == "bool" and not values.reads_alike(value):
        answer = bool_extra(release)
        if answer is None:
            return Result(
                "nested-config",
                "WARN",
                shown,
                f"whether this kernel takes it is not known (no kernel data for Linux "
                f"{release or '(release not read)'}): newer releases read more first "
                "letters than older ones; nested=1 is read alike by all",
                anchor=persistent,
            )
        version, extra = answer
        shown += f"; as Linux {version} reads it"
    try:
        parsed = values.parse(ptype, value, extra)
    except values.InvalidValue:
        return Result(
            "nested-config",
            "WARN",
            shown,
            f"not a valid {ptype}: the kernel rejects it and {mod} fails to load",
            anchor=persistent,
        )
    if parsed in ("N", "0"):
        return Result(
            "nested-config",
            "WARN",
            shown,
            f"nesting will be off after the next load of {mod}: set nested=1 there",
            anchor=persistent,
        )
    return Result("nested-config", "PASS", shown)
