"""Installing and running ``nested-kvm`` (``source/how-to/install-checker.rst``).

None of these runs on the fake host (they install software or run the checker on
the reader's machine); the tests check their shell syntax.
"""

from nested_snippets.model import command_line, snippet

install_pipx = snippet(
    "install_pipx",
    command_line("pipx install ./nested-kvm-guide/checker"),
)

install_pip = snippet(
    "install_pip",
    command_line("python3 -m pip install --user ./nested-kvm-guide/checker"),
)

build_pyz = snippet(
    "build_pyz",
    command_line("make -C nested-kvm-guide pyz"),
)

copy_pyz = snippet(
    "copy_pyz",
    command_line("scp nested-kvm-guide/build/nested-kvm.pyz server:"),
)

run_pyz = snippet(
    "run_pyz",
    command_line("python3 nested-kvm.pyz check"),
)

run_check = snippet(
    "run_check",
    command_line("nested-kvm check"),
)

run_no_probe = snippet(
    "run_no_probe",
    command_line("nested-kvm check --no-probe --json > nested-kvm.json"),
)

install_completion = snippet(
    "install_completion",
    command_line("""
        install -D -m 644 nested-kvm-guide/contrib/bash-completion/nested-kvm \\
            ~/.local/share/bash-completion/completions/nested-kvm
    """),
)

man_page = snippet(
    "man_page",
    command_line("make -C nested-kvm-guide man && man nested-kvm-guide/build/man/nested-kvm.1"),
)
