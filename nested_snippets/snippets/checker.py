"""Installing and running ``nested-kvm`` (``source/how-to/install-checker.rst``).

None of these runs on the fake host (they install software or run the checker on
the reader's machine); the tests check their shell syntax.
"""

from nested_snippets.model import command_line, snippet

install_pipx = snippet(command_line("pipx install ./nested-kvm-guide/checker"))
install_pip = snippet(command_line("python3 -m pip install --user ./nested-kvm-guide/checker"))

build_pyz = snippet(command_line("make -C nested-kvm-guide pyz"))
copy_pyz = snippet(command_line("scp nested-kvm-guide/build/nested-kvm.pyz server:"))

run_pyz = snippet(command_line("python3 nested-kvm.pyz check"))
run_check = snippet(command_line("nested-kvm check"))

run_no_probe = snippet(command_line("nested-kvm check --no-probe --json > nested-kvm.json"))

install_completion = snippet(
    command_line("""
        install -D -m 644 nested-kvm-guide/contrib/bash-completion/nested-kvm \\
            ~/.local/share/bash-completion/completions/nested-kvm
    """),
)

man_page = snippet(
    command_line("make -C nested-kvm-guide man && man nested-kvm-guide/build/man/nested-kvm.1"),
)
