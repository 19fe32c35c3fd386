"""Snippet declarations: what authors write, and the errors they get."""

from __future__ import annotations

import pytest

from nested_snippets import registry
from nested_snippets.model import KernelRange, Snippet, SnippetError, transcript


def test_transcript_splits_commands_and_output():
    t = transcript("""
        $ lsmod | grep -i kvm
        kvm_intel             380928  0
        kvm                  1146880  1 kvm_intel
        $ cat /sys/module/kvm_intel/parameters/nested
        Y
    """)
    assert [c.text for c in t.commands] == [
        "lsmod | grep -i kvm",
        "cat /sys/module/kvm_intel/parameters/nested",
    ]
    assert t.commands[1].output == ("Y",)
    assert t.text.splitlines()[0] == "$ lsmod | grep -i kvm"


def test_continuation_lines_belong_to_the_command():
    t = transcript("""
        $ qemu-system-x86_64 -enable-kvm \\
            -cpu host
        done
    """)
    assert t.commands[0].text == "qemu-system-x86_64 -enable-kvm \\\n    -cpu host"
    assert t.commands[0].output == ("done",)


def test_output_before_any_command_is_an_error():
    with pytest.raises(SnippetError, match="output before any"):
        transcript("Y\n$ cat x\n")


def test_transcript_without_any_output_must_say_silent():
    with pytest.raises(SnippetError, match="no expected output"):
        transcript("$ sudo modprobe -r kvm_intel\n")
    assert transcript("$ sudo modprobe -r kvm_intel\n", silent=True).commands


def test_kernel_ranges():
    assert KernelRange(">=4.20").contains("6.6")
    assert not KernelRange(">=4.20").contains("4.19")
    assert KernelRange("<7.1").contains("6.12") and not KernelRange("<7.1").contains("7.1")
    with pytest.raises(SnippetError, match="bad kernel range"):
        KernelRange("4.20+")


def test_a_range_splits_where_an_era_starts():
    assert KernelRange(">=4.20,<7.0").bounds() == ((4, 20), (7, 0))
    split = KernelRange("<7.0").split([(5, 1), (7, 1), (7, 0)])  # 7.0, 7.1: not inside
    assert [k.spec for k in split] == ["<5.1", ">=5.1,<7.0"]
    assert KernelRange(">=4.20").split([(4, 20)]) == [KernelRange(">=4.20")]
    assert KernelRange("all").covers(KernelRange("<5.1"))
    assert not KernelRange(">=5.0").covers(KernelRange("<5.1"))
    assert KernelRange(">=5.0").meets(KernelRange("<5.1"))
    assert not KernelRange(">=5.1").meets(KernelRange("<5.1"))


def test_unknown_ids_get_a_suggestion():
    reg = registry.load()
    with pytest.raises(registry.UnknownSnippet, match="did you mean 'enable.check_nested'"):
        reg.get("enable.check_nestd")


def test_every_snippet_is_shown_on_a_page_and_every_page_names_real_snippets():
    from nested_snippets import pages

    reg = registry.load()
    used = pages.usages()
    unknown = sorted(set(used) - set(reg.snippets))
    assert not unknown, f"pages name unknown snippets: {unknown}"
    procedures_steps = {
        s.id for p in reg.procedures.values() for s in p.steps if isinstance(s, Snippet)
    }
    orphans = sorted(set(reg.snippets) - set(used) - procedures_steps)
    assert not orphans, f"snippets shown nowhere (and in no procedure): {orphans}"


def test_every_era_is_shown_on_a_page():
    from nested_snippets import pages

    reg = registry.load()
    unseen = []
    for sid, specs in pages.kernels_shown().items():
        snip = reg.get(sid)
        shown = {e.kernels for spec in specs for e in snip.eras_in(spec)}
        unseen += [f"{sid} {e.kernels.spec}" for e in snip.eras if e.kernels not in shown]
    assert not unseen, f"eras no page shows (add :kernels: to a directive): {unseen}"


def _package(tmp_path, monkeypatch, **modules: str):
    """A throw-away snippet package ``snips_<test>`` holding ``modules`` (name -> source)."""
    import sys
    import textwrap

    name = "snips_" + tmp_path.name.replace("-", "_")
    pkg = tmp_path / name
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    for module, source in modules.items():
        (pkg / f"{module}.py").write_text(HEADER + textwrap.dedent(source))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    return pkg, name


HEADER = "from nested_snippets.model import command_line, procedure, snippet, transcript\n"


def test_ids_come_from_the_variable_name(tmp_path, monkeypatch):
    pkg, name = _package(tmp_path, monkeypatch, topic="""
        plain = snippet(command_line("true"))

        renamed = snippet(command_line("false"), name="shown_name")
    """)
    (pkg / "other.py").write_text(f"from {name}.topic import plain\n")
    reg = registry.scan(pkg, name)
    assert sorted(reg.snippets) == ["topic.plain", "topic.shown_name"]  # other's is topic's
    assert reg.get("topic.plain").defined_at == f"{pkg / 'topic.py'}:3"


def test_an_error_in_a_declaration_names_the_file_and_line(tmp_path, monkeypatch):
    pkg, name = _package(tmp_path, monkeypatch, topic="""
        fine = snippet(command_line("true"))
        no_arch = snippet(transcript('''
            $ echo hi
            hi
        '''))
    """)
    with pytest.raises(SnippetError, match=r"topic\.py:4: a body run on the fake host names"):
        registry.scan(pkg, name)


def test_arch_is_for_single_bodies_and_must_be_known():
    from nested_snippets.model import snippet

    with pytest.raises(SnippetError, match="arch= is for single-body"):
        snippet(lambda a: transcript("$ true\n", silent=True), arches=("amd",), arch="amd")
    with pytest.raises(SnippetError, match="unknown architecture"):
        snippet(transcript("$ true\n", silent=True), arch="sparc")


def test_a_typo_in_a_procedure_step_fails_at_import(tmp_path, monkeypatch):
    pkg, name = _package(tmp_path, monkeypatch, topic="""
        check = snippet(transcript("$ ls /dev/kvm\\n/dev/kvm\\n"), arch="amd")
        steps = procedure([check, chek])
    """)
    with pytest.raises(SnippetError, match=r"topic\.py:4: name 'chek' is not defined"):
        registry.scan(pkg, name)


def test_a_step_must_be_a_snippet_object():
    from nested_snippets.model import procedure

    with pytest.raises(SnippetError, match="step 1 is 'enable.check_nested', not a snippet"):
        procedure(["enable.check_nested"])


def test_a_new_body_kind_is_one_class():
    """Everything that handles bodies asks the Body interface: a subclass is enough."""
    from dataclasses import dataclass

    from nested_snippets.bodies import Body, Command
    from nested_snippets.model import snippet
    from nested_snippets.runner import run

    @dataclass(frozen=True)
    class Directory(Body):
        path: str

        @property
        def text(self) -> str:
            return f"{self.path}/"

        @property
        def commands(self) -> tuple[Command, ...]:  # type: ignore[override]
            return (Command(f"test -d {self.path} && echo present", ("present",)),)

    snip = snippet(Directory("/etc/modprobe.d"), arch="amd")
    snip.id = "test.directory"
    assert run.run_snippet(snip, "", "6.6") in ("ran", "shared", "verified")
    wrong = snippet(Directory("/etc/nowhere"), arch="amd")
    wrong.id = "test.nowhere"
    with pytest.raises(run.Mismatch, match="test -d /etc/nowhere"):
        run.run_snippet(wrong, "", "6.6")


def test_a_foreign_file_is_never_run_and_must_say_why_and_where_from():
    """A VMware .vmx line: shown with its path, not written to any fake host, labelled
    not executed with its source and date (issue 14), and no shell check is claimed."""
    from nested_snippets import proofs
    from nested_snippets.model import NotExecuted, foreign_config, snippet

    body = foreign_config("/vmfs/volumes/ds/l1/l1.vmx", 'vhv.enable = "TRUE"\n')
    assert not body.on_host and body.caption == "/vmfs/volumes/ds/l1/l1.vmx"
    with pytest.raises(SnippetError, match="needs not_executed"):
        snippet(body)
    label = NotExecuted("an ESXi file", "https://x.example", "2026-12-02")
    snip = snippet(body, not_executed=label)
    found = proofs.proof(snip, "")
    assert found.kind == "not-executed" and found.text == "Not executed here: an ESXi file."
    # never written anywhere: a relative path names a file the reader keeps anywhere
    assert foreign_config("play.yml", "x\n").caption == "play.yml"
    with pytest.raises(SnippetError, match="must name a file"):
        foreign_config("../l1.vmx", "x\n")


# ------------------------------------------------------ bodies that vary by release

def _eras_module(tmp_path, monkeypatch, eras: str, kernels: str = "all"):
    """A snippet module whose snippet ``eras``, declared on line 6, has the eras ``eras``."""
    return _package(tmp_path, monkeypatch, topic=f"""
        from nested_snippets.model import by_release, era
        fine = snippet(command_line("true"))

        eras = snippet(
            by_release({eras}),
            arch="amd",
            kernels={kernels!r},
        )
    """)


def _era(spec: str, out: str = "Y") -> str:
    return f'era({spec!r}, transcript("$ cat n\\n{out}\\n"), because="x.c @ v{spec[-4:]}")'


@pytest.mark.parametrize(
    ("eras", "kernels", "message"),
    [
        ([">=5.0", "<5.10"], "all", r"eras '>=5.0' and '<5.10' overlap"),
        (["<5.10", ">=5.10", ">=6.1"], "all", r"eras '>=5.10' and '>=6.1' overlap"),
        (["<5.0", ">=5.10"], "all", r"no era covers 5\.0 up to 5\.10: eras '<5.0' and"),
        (["<5.10", ">=5.10,<6.1"], "all", r"no era covers the releases from 6\.1 of"),
        ([">=4.20,<5.10", ">=5.10"], "all", r"no era covers the releases below 4\.20"),
        (["<5.10", ">=5.10"], ">=5.0", r"era '<5.10' is outside the snippet's kernels='>=5.0'"),
        ([">=5.10", "<5.10"], "all", r"eras '>=5.10' and '<5.10' are not oldest first"),
    ],
)
def test_bad_eras_name_the_module_and_line(tmp_path, monkeypatch, eras, kernels, message):
    pkg, name = _eras_module(tmp_path, monkeypatch, ", ".join(map(_era, eras)), kernels)
    with pytest.raises(SnippetError, match=r"topic\.py:6: " + message):
        registry.scan(pkg, name)


def test_one_era_or_a_bare_body_is_refused(tmp_path, monkeypatch):
    from nested_snippets.model import by_release, era

    with pytest.raises(SnippetError, match="two eras or more"):
        by_release(era("<5.10", transcript("$ true\n", silent=True), because="x"))
    with pytest.raises(SnippetError, match="argument 2 is .*not an era"):
        by_release(era("<5.10", transcript("$ true\n", silent=True), because="x"), "oops")
    with pytest.raises(SnippetError, match="needs because="):
        era("<5.10", transcript("$ true\n", silent=True), because="")


def test_a_release_runs_the_body_of_its_era(tmp_path, monkeypatch):
    pkg, name = _eras_module(tmp_path, monkeypatch, f"{_era('<5.10', 'N')}, {_era('>=5.10')}")
    snip = registry.scan(pkg, name).get("topic.eras")
    assert [e.kernels.spec for e in snip.eras] == ["<5.10", ">=5.10"]
    assert snip.body("", "4.19").commands[0].output == ("N",)
    assert snip.body("", "5.10").commands[0].output == ("Y",)
    assert snip.eras_in("") == snip.eras[-1:]  # a page shows the newest era by default
    assert snip.eras_in("all") == snip.eras
    with pytest.raises(SnippetError, match=r"kernels '<6\.1' cuts its era '>=5\.10'"):
        snip.eras_in("<6.1")
    with pytest.raises(SnippetError, match=r"kernels '>=9\.0' cuts its era '>=5\.10'"):
        snip.eras_in(">=9.0")


def test_each_variant_is_one_item_that_runs_every_release_of_each_era():
    from nested_snippets import kernel, pytest_plugin

    snip = registry.load().get("enable.check_nested")
    runs = {(era.kernels.spec, key) for era, key, _b in snip.bodies()}
    assert runs == {("<4.20", "intel"), ("<4.20", "amd"), (">=4.20", "intel"), (">=4.20", "amd")}
    made = {name: pairs for name, _v, pairs in _items(pytest_plugin, snip)}
    assert sorted(made) == ["enable.check_nested[amd]", "enable.check_nested[intel]"]
    assert made["enable.check_nested[intel]"][0] == ("intel", "4.19")
    assert made["enable.check_nested[amd]"][-1] == ("amd", kernel.latest())
    assert [k for _a, k in made["enable.check_nested[amd]"]] == kernel.versions()


def test_kernels_option_keeps_only_the_releases_it_names():
    from nested_snippets import pytest_plugin

    snip = registry.load().get("enable.check_nested")
    made = {n: p for n, _v, p in _items(pytest_plugin, snip, _Config("4.19, 6.6"))}
    assert made["enable.check_nested[amd]"] == [("amd", "4.19"), ("amd", "6.6")]
    with pytest.raises(pytest.UsageError, match="--kernels: no kernel data for 6.99"):
        _items(pytest_plugin, snip, _Config("6.6,6.99"))


def test_an_item_runs_all_its_releases_and_fails_with_those_that_differ():
    from nested_snippets import pytest_plugin
    from nested_snippets.runner import run

    done = []

    def ok(how):
        return lambda: done.append(how) or how

    def differs(text):
        def call():
            done.append("differs")
            raise run.Mismatch(text)

        return call

    item = _Bare()
    runs = [("amd-6.6", ok("ran")), ("amd-6.7", differs("output differs on 6.7")),
            ("amd-6.8", ok("shared"))]  # fmt: skip
    with pytest.raises(pytest_plugin.PairsFailed) as exc:
        pytest_plugin._GuideItem._run_pairs(item, runs)
    assert done == ["ran", "differs", "shared"]  # the releases after a failure still run
    text = str(exc.value)
    assert text.startswith("1 of 3 releases differ from the guide: amd-6.7\n")
    assert "output differs on 6.7" in text
    assert item.user_properties == [("run", "ran"), ("run", "failed"), ("run", "shared")]


def test_an_error_that_is_not_a_difference_ends_the_item_at_once():
    from nested_snippets import pytest_plugin

    def broken():
        raise OSError("sandbox cannot start")

    item = _Bare()
    with pytest.raises(OSError, match="sandbox cannot start"):
        pytest_plugin._GuideItem._run_pairs(item, [("amd-6.6", broken), ("amd-6.7", lambda: 1 / 0)])
    assert item.user_properties == []


class _Bare:
    def __init__(self):
        self.user_properties = []


class _Config:
    def __init__(self, kernels: str):
        self.kernels = kernels

    def getoption(self, name, default=None):
        assert name == "--kernels"
        return self.kernels


def _items(plugin, snip, config=None):
    """What the plugin would collect for ``snip``: (name, variant, pairs)."""
    made = []

    class Parent:
        pass

    parent = Parent()
    parent.config = config

    class Item:
        @classmethod
        def from_parent(cls, parent, *, name, snippet, variant, pairs):
            made.append((name, variant, pairs))

    original = plugin.SnippetItem
    plugin.SnippetItem = Item
    try:
        list(plugin._snippet_items(parent, snip))
    finally:
        plugin.SnippetItem = original
    return made


@pytest.mark.parametrize(
    ("command", "why"),
    [
        ("cat /etc/shadow", "cat takes one file below fake-host/"),
        ("cat fake-host/../../etc/shadow", "cat takes one file below fake-host/"),
        ("nested-kvm report --root fake-host", "runs check, lint or params"),
        ("nested-kvm check --root fake-host", "check needs --no-probe"),
        ("nested-kvm check --no-probe", "check needs --no-probe and --root fake-host"),
        ("nested-kvm check --no-probe --root fake-host -o /tmp/x", r"writes a file \(-o\)"),
        ("nested-kvm lint --root fake-host /etc/modprobe.d", "lint needs --root fake-host"),
        ("nested-kvm params --running", "params --running needs --root"),
        ("sh -c id", "runs nested-kvm or cat"),
    ],
)
def test_a_checker_sample_may_read_only_its_fake_host(command, why):
    """Checker samples run outside the sandbox (bodies.CheckerRun): a command that could
    read or write the machine is refused when the snippet is declared."""
    from nested_snippets.model import checker_run, snippet

    with pytest.raises(SnippetError, match=why):
        snippet(checker_run(f"$ {command}\nsome output\n", arch="intel", kernel="6.6"))
